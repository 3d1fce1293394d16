import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClusterPki } from "../identity/cluster-pki.js";
import { natsServerConfig } from "../identity/nats-config.js";
import { INSECURE_WARNING } from "../transport/tls/cluster-credentials.js";
import { clusterPkiDir } from "./cli-security.js";
import { xsimHome } from "./cluster-state.js";

/**
 * What `xsim up` adds for security: a new cluster CA and credentials for every member under
 * XSIM_HOME/pki (each `xsim up` is a new cluster), nats-server's configuration (TLS, one user per
 * member, their permissions), the flags every service takes, and a directory all hosts may save
 * to and restore from (XSIM_HOME/saves). With --insecure: none of it, said loudly.
 */
export interface UpSecurity {
  natsArgs: string[];
  /** --pki DIR or --insecure, for every host and the scheduler. */
  serviceArgs: string[];
  /** More flags for every host: the shared saves directory. */
  hostArgs: string[];
  /** What cluster.json records, so the CLI finds the operator's credentials. */
  recorded: { pkiDir: string } | { insecure: true };
}

export function upSecurity(
  insecure: boolean,
  hostIds: readonly string[],
  natsPort: number,
  natsStoreDir: string,
  warn: (line: string) => void,
): UpSecurity {
  const savesDir = join(xsimHome(), "saves");
  mkdirSync(savesDir, { recursive: true, mode: 0o700 });
  const hostArgs = ["--allow-dir", savesDir];
  const listen = ["-a", "127.0.0.1", "-p", String(natsPort)];
  if (insecure) {
    warn(INSECURE_WARNING);
    return {
      natsArgs: [...listen, "-js", "-sd", natsStoreDir],
      serviceArgs: ["--insecure"],
      hostArgs,
      recorded: { insecure: true },
    };
  }
  const pkiDir = clusterPkiDir();
  rmSync(pkiDir, { recursive: true, force: true });
  createClusterPki(pkiDir, { hostIds });
  const configPath = join(xsimHome(), `nats-${natsPort}.conf`);
  const config = natsServerConfig({
    pkiDir,
    listen: `127.0.0.1:${natsPort}`,
    storeDir: natsStoreDir,
    hostIds,
  });
  writeFileSync(configPath, config, { mode: 0o600 });
  return { natsArgs: ["-c", configPath], serviceArgs: ["--pki", pkiDir], hostArgs, recorded: { pkiDir } };
}
