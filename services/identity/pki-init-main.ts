/**
 * `node dist/services/identity/pki-init-main.js --dir DIR [--hosts host1,host2] [--pool N]`: makes a
 * containerised cluster's identity (services/identity/pki-init.ts). docker-compose.yml runs it as its
 * one-shot `pki-init` service; it prints what it made and exits.
 */
import { parseArgs } from "node:util";
import { HOST_POOL_PREFIX_DEFAULT, parsePkiInitArgs } from "./pki-init-args.js";
import { initClusterPki } from "./pki-init.js";

try {
  const { values } = parseArgs({
    options: {
      dir: { type: "string" },
      hosts: { type: "string", default: "" },
      pool: { type: "string", default: "0" },
      "pool-prefix": { type: "string", default: HOST_POOL_PREFIX_DEFAULT },
      "nats-listen": { type: "string", default: "0.0.0.0:4222" },
      "nats-store-dir": { type: "string", default: "/tmp/nats" },
    },
  });
  const result = initClusterPki(parsePkiInitArgs(values));
  const made = result.caCreated ? "made a new cluster CA" : "kept the cluster CA";
  process.stdout.write(`pki-init: ${made} in ${values.dir}; issued ${result.issued.length} identities\n`);
  for (const line of result.issued) process.stdout.write(`  ${line}\n`);
  process.stdout.write(
    `pki-init: nats-server knows ${result.hostIds.length} hosts: ${result.hostIds.join(" ")}\n`,
  );
} catch (error) {
  process.stderr.write(`pki-init: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
