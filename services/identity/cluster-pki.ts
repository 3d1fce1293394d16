import { ensureClusterCa, issueIdentity } from "./pki.js";

/** Names nats-server's certificate is valid for: loopback, and the compose service name. */
export const NATS_ALT_NAMES_DEFAULT: readonly string[] = ["localhost", "127.0.0.1", "nats"];

export interface ClusterPkiOptions {
  hostIds: readonly string[];
  natsAltNames?: readonly string[];
}

/**
 * A whole cluster's credentials in `pkiDir`: the CA (made unless there), nats-server's, the
 * scheduler's, the operator's (the CLI user) and one per host. Re-running re-issues them all
 * with the same CA.
 */
export function createClusterPki(pkiDir: string, options: ClusterPkiOptions): void {
  ensureClusterCa(pkiDir);
  issueIdentity(pkiDir, "nats", "nats", options.natsAltNames ?? NATS_ALT_NAMES_DEFAULT);
  issueIdentity(pkiDir, "scheduler", "scheduler");
  issueIdentity(pkiDir, "operator", "operator");
  for (const hostId of options.hostIds) issueIdentity(pkiDir, "host", hostId);
}
