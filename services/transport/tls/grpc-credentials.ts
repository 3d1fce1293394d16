import type { PeerCertificate } from "node:tls";
import { credentials, ServerCredentials, type ChannelCredentials } from "@grpc/grpc-js";
import type { ServiceIdentity } from "../../identity/pki.js";
import { peerIdentityOf, type Role } from "../../identity/roles.js";

/**
 * gRPC's mutual TLS for a cluster member. The server asks every client for a certificate but does
 * not drop the connection when there is none or it is not the cluster's: the call then fails with
 * UNAUTHENTICATED from `authorizeCalls` (a TLS client that cannot finish the handshake would only
 * see UNAVAILABLE). Node still verifies what is presented against the cluster CA: only a verified
 * certificate reaches grpc-js's auth context.
 */
class ClusterServerCredentials extends ServerCredentials {
  constructor(identity: ServiceIdentity) {
    super(
      { requestCert: true, rejectUnauthorized: false },
      { ca: identity.caPem, cert: identity.certPem, key: identity.keyPem },
    );
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function clusterServerCredentials(identity: ServiceIdentity): ServerCredentials {
  return new ClusterServerCredentials(identity);
}

/**
 * A client channel's credentials: our certificate, the cluster CA as the only root, and a server
 * identity check by role instead of by address (hosts are reached at addresses made up at run
 * time: loopback aliases, container names, proxies). A server whose certificate the CA did not
 * sign, or whose role is not one of `serverRoles`, fails the handshake.
 */
export function clusterChannelCredentials(
  identity: ServiceIdentity,
  serverRoles: readonly Role[],
): ChannelCredentials {
  return credentials.createSsl(
    Buffer.from(identity.caPem),
    Buffer.from(identity.keyPem),
    Buffer.from(identity.certPem),
    { checkServerIdentity: (_hostname, cert) => checkServerRole(cert, serverRoles) },
  );
}

/** A server certificate signed by the cluster CA must also name one of `serverRoles` (TLS checkServerIdentity). */
export function checkServerRole(cert: PeerCertificate, serverRoles: readonly Role[]): Error | undefined {
  const peer = peerIdentityOf(cert.subject);
  if (peer && serverRoles.includes(peer.role)) return undefined;
  const shown = peer ? `${peer.role} ${peer.name}` : "not a member of this cluster";
  return new Error(`the server's certificate is ${shown}; expected a ${serverRoles.join(" or ")}`);
}
