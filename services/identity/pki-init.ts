import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NATS_ALT_NAMES_DEFAULT } from "./cluster-pki.js";
import { natsServerConfig } from "./nats-config.js";
import { ensureClusterCa, identityDir, issueIdentity, PkiError } from "./pki.js";
import type { Role } from "./roles.js";

/**
 * A containerised cluster's identity, made by its one-shot init service (docker-compose.yml,
 * `pki-init`) into a volume every member mounts, before nats-server starts:
 *
 *   <pki>/...                   the cluster PKI (services/identity/pki.ts)
 *   <pki>/nats.conf             nats-server's configuration, one user per member (nats-config.ts)
 *   <pki>/pool                  the ids of the pool's host identities, one a line
 *   <pki>/claims/<hostId>/      a pool identity taken by a host container (deploy/docker/entrypoint.sh)
 *
 * nats-server has no permission templates: every host's user must be in nats.conf when it starts.
 * So the init service issues the named hosts' identities and a pool of `poolHostCount` more, which
 * scaled host containers claim one each. Re-running keeps the CA and every identity already issued
 * (running members keep working) and issues only what is missing.
 */
export interface PkiInitOptions {
  pkiDir: string;
  /** Hosts known by name (compose's host1..host3). */
  hostIds: readonly string[];
  /** How many more host identities to issue for scaled hosts (`<poolPrefix>1..N`). */
  poolHostCount: number;
  poolPrefix: string;
  /** Where nats-server listens, and its JetStream store, as it sees them. */
  natsListen: string;
  natsStoreDir: string;
  natsAltNames?: readonly string[];
}

/** The most pool identities one init makes (each is an EC key and a certificate; nats lists each user). */
export const POOL_HOST_COUNT_MAX = 256;
export const NATS_CONFIG_FILE = "nats.conf";
export const POOL_FILE = "pool";
export const CLAIMS_DIR = "claims";

export interface PkiInitResult {
  caCreated: boolean;
  issued: string[];
  hostIds: string[];
}

export function initClusterPki(options: PkiInitOptions): PkiInitResult {
  const { pkiDir, poolHostCount } = options;
  if (!Number.isInteger(poolHostCount) || poolHostCount < 0 || poolHostCount > POOL_HOST_COUNT_MAX)
    throw new PkiError(
      `pool of ${poolHostCount} hosts: give a whole number from 0 to ${POOL_HOST_COUNT_MAX}`,
    );
  const caCreated = ensureClusterCa(pkiDir);
  const issued: string[] = [];
  const issueOnce = (role: Role, name: string, altNames: readonly string[] = []) => {
    if (existsSync(join(identityDir(pkiDir, role, name), "cert.pem"))) return;
    issueIdentity(pkiDir, role, name, altNames);
    issued.push(`${role} ${name}`);
  };
  issueOnce("nats", "nats", options.natsAltNames ?? NATS_ALT_NAMES_DEFAULT);
  issueOnce("scheduler", "scheduler");
  issueOnce("operator", "operator");
  const poolIds = Array.from({ length: poolHostCount }, (_, index) => `${options.poolPrefix}${index + 1}`);
  for (const hostId of [...options.hostIds, ...poolIds]) issueOnce("host", hostId);
  // Every host identity in the volume, also those an earlier, larger init issued (they may be claimed).
  const hostIds = readdirSync(join(pkiDir, "hosts")).sort();
  const config = natsServerConfig({
    pkiDir,
    listen: options.natsListen,
    storeDir: options.natsStoreDir,
    hostIds,
  });
  writeFileSync(join(pkiDir, NATS_CONFIG_FILE), config, { mode: 0o644 });
  writeFileSync(join(pkiDir, POOL_FILE), poolIds.map((id) => `${id}\n`).join(""), { mode: 0o644 });
  return { caCreated, issued, hostIds };
}
