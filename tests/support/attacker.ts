import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { HostClient } from "../../services/gen/xensim/v1/host.js";
import { MigrationClient } from "../../services/gen/xensim/v1/migration.js";
import { createClusterPki } from "../../services/identity/cluster-pki.js";
import { loadIdentity, type ServiceIdentity } from "../../services/identity/pki.js";
import type { Role } from "../../services/identity/roles.js";
import { clusterChannelCredentials } from "../../services/transport/tls/grpc-credentials.js";
import { CLUSTER_TLS_SERVER_NAME } from "../../services/transport/tls/cluster-credentials.js";
import { testPki } from "./test-pki.js";

/**
 * What an attacker of the security tests holds: no credentials, a TLS client without a
 * certificate, a certificate from a CA of their own, or one member's credentials used for
 * something that member may not do.
 */
export type Posing = "plaintext" | "tls-no-certificate" | "stranger-ca" | { role: Role; name: string };

/** A CA and credentials of the attacker's own, under the same names as the cluster's. */
export function strangerPki(hostIds: string[]): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "xsim-stranger-pki-"));
  createClusterPki(dir, { hostIds });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function memberIdentity(role: Role, name: string): ServiceIdentity {
  const pki = testPki();
  if (!pki) throw new Error("the security tests need the secured test cluster (XSIM_TEST_INSECURE is set)");
  return loadIdentity(pki.dir, role, name);
}

export function channelCredentialsPosingAs(
  posing: Posing,
  strangerDir: string,
  /** The role the server must prove (a member's credentials check it, as the real clients do). */
  serverRoles: readonly Role[] = ["host"],
): ChannelCredentials {
  const clusterCa = Buffer.from(memberIdentity("operator", "operator").caPem);
  const anyServer = { checkServerIdentity: () => undefined };
  if (posing === "plaintext") return credentials.createInsecure();
  if (posing === "tls-no-certificate") return credentials.createSsl(clusterCa, null, null, anyServer);
  if (posing === "stranger-ca") {
    const stranger = loadIdentity(strangerDir, "operator", "operator");
    return credentials.createSsl(
      clusterCa,
      Buffer.from(stranger.keyPem),
      Buffer.from(stranger.certPem),
      anyServer,
    );
  }
  return clusterChannelCredentials(memberIdentity(posing.role, posing.name), serverRoles);
}

const CHANNEL_OPTIONS = { "grpc.ssl_target_name_override": CLUSTER_TLS_SERVER_NAME };

export function hostClientPosingAs(address: string, posing: Posing, strangerDir: string): HostClient {
  return new HostClient(address, channelCredentialsPosingAs(posing, strangerDir), CHANNEL_OPTIONS);
}

export function migrationClientPosingAs(
  address: string,
  posing: Posing,
  strangerDir: string,
): MigrationClient {
  return new MigrationClient(address, channelCredentialsPosingAs(posing, strangerDir), CHANNEL_OPTIONS);
}
