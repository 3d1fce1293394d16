import { join } from "node:path";
import { identityDir } from "./pki.js";
import { natsPermissionsOf } from "./nats-permissions.js";
import { natsUserOf, type Role } from "./roles.js";

/**
 * nats-server's configuration for a secured cluster: TLS on the client port with client
 * certificates required and mapped to users (`verify_and_map`: the user is the certificate's
 * subject), and one user per member with its permissions. A client without a certificate issued
 * by the cluster CA, or whose certificate names no user, is refused.
 */
export interface NatsConfigOptions {
  pkiDir: string;
  /** host:port to listen on. */
  listen: string;
  /** JetStream's store directory; omit for no JetStream. */
  storeDir?: string;
  hostIds: readonly string[];
  /** Paths as nats-server will see them, when it runs elsewhere (a container); default pkiDir. */
  pkiDirForServer?: string;
}

/** Seconds nats-server gives a client to finish the TLS handshake (loaded CI machines are slow). */
const TLS_HANDSHAKE_TIMEOUT_S = 5;

export function natsServerConfig(options: NatsConfigOptions): string {
  const pki = options.pkiDirForServer ?? options.pkiDir;
  const natsDir = identityDir(pki, "nats", "nats");
  const members: Array<[Role, string]> = [
    ["scheduler", "scheduler"],
    ["operator", "operator"],
    ...options.hostIds.map((id): [Role, string] => ["host", id]),
  ];
  const users = members.map(([role, name]) => {
    const permissions = JSON.stringify(natsPermissionsOf(role, name));
    return `    { user: ${JSON.stringify(natsUserOf(role, name))}, permissions: ${permissions} }`;
  });
  return [
    `listen: ${JSON.stringify(options.listen)}`,
    ...(options.storeDir ? [`jetstream { store_dir: ${JSON.stringify(options.storeDir)} }`] : []),
    "tls {",
    `  cert_file: ${JSON.stringify(join(natsDir, "cert.pem"))}`,
    `  key_file: ${JSON.stringify(join(natsDir, "key.pem"))}`,
    `  ca_file: ${JSON.stringify(join(pki, "ca.pem"))}`,
    "  verify_and_map: true",
    `  timeout: ${TLS_HANDSHAKE_TIMEOUT_S}`,
    "}",
    "authorization {",
    "  users = [",
    users.join(",\n"),
    "  ]",
    "}",
    "",
  ].join("\n");
}
