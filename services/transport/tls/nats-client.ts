import type { ConnectionOptions } from "nats";
import { inboxPrefixOf } from "../../identity/nats-permissions.js";
import type { ServiceIdentity } from "../../identity/pki.js";
import { clusterSecurity, type ClusterSecurity } from "./cluster-credentials.js";

/**
 * The `nats` client's options for this process's cluster credentials: TLS with our certificate
 * (nats-server maps it to our user and its permissions) and the inbox prefix our user may
 * subscribe to. Nothing when insecure.
 */
export function natsClientOptions(security: ClusterSecurity = clusterSecurity()): Partial<ConnectionOptions> {
  if (security.kind === "missing") throw new Error(security.reason);
  return security.kind === "tls" ? natsOptionsOf(security.identity) : {};
}

/** The same for a given identity (a test acting as the scheduler, a probe acting as a host). */
export function natsOptionsOf(identity: ServiceIdentity): Partial<ConnectionOptions> {
  return {
    tls: { ca: identity.caPem, cert: identity.certPem, key: identity.keyPem },
    inboxPrefix: inboxPrefixOf(identity.role, identity.name),
  };
}
