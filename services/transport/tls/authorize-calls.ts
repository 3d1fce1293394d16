import {
  Metadata,
  ServerInterceptingCall,
  status,
  type ServerInterceptor,
  type ServerInterceptingCallInterface,
} from "@grpc/grpc-js";
import { peerIdentityOf, type PeerIdentity, type Role } from "../../identity/roles.js";

/**
 * Every service a process serves must have a key here: a method no key matches is refused.
 *
 * Which roles may call which gRPC method, by full path ("/xensim.v1.Host/Destroy") or by service
 * prefix ("/xensim.v1.Host/"). The longest matching key wins; a method no key matches is refused.
 */
export type CallPolicy = Readonly<Record<string, readonly Role[]>>;

/** A host's services: the operator and the scheduler drive it; other hosts only pull migrations. */
export const HOST_CALL_POLICY: CallPolicy = {
  "/xensim.v1.Host/": ["operator", "scheduler"],
  "/xensim.v1.Cpupool/": ["operator", "scheduler"],
  "/xensim.v1.SchedRtds/": ["operator", "scheduler"],
  "/xensim.v1.Migration/": ["operator", "scheduler"],
  "/xensim.v1.Migration/Receive": ["host"],
  "/xensim.v1.Migration/PullStream": ["host"],
  "/xensim.v1.Migration/IncomingStatus": ["host", "operator", "scheduler"],
  // HA's network heartbeat between hosts (docs/specs/ha.md §3).
  "/xensim.v1.HaPeer/": ["host"],
  // `xsim fault` (docs/specs/fault-injection.md): the operator only.
  "/xensim.v1.FaultInjection/": ["operator"],
};

/** The scheduler's service: the operator (xsim) only. */
export const SCHEDULER_CALL_POLICY: CallPolicy = {
  "/xensim.v1.Scheduler/": ["operator"],
  "/xensim.v1.Ha/": ["operator"],
};

/** The verified peer of a call, or undefined (no certificate, or one the cluster CA did not sign). */
export function callPeer(
  call: Pick<ServerInterceptingCallInterface, "getAuthContext">,
): PeerIdentity | undefined {
  const certificate = call.getAuthContext().sslPeerCertificate;
  return certificate ? peerIdentityOf(certificate.subject) : undefined;
}

export function verdict(
  path: string,
  peer: PeerIdentity | undefined,
  policy: CallPolicy,
): { code: status; details: string } | undefined {
  if (!peer)
    return {
      code: status.UNAUTHENTICATED,
      details: `${path}: no client certificate issued by this cluster's CA`,
    };
  const key = Object.keys(policy)
    .filter((prefix) => path === prefix || (prefix.endsWith("/") && path.startsWith(prefix)))
    .sort((a, b) => b.length - a.length)[0];
  const roles = key === undefined ? [] : (policy[key] ?? []);
  if (roles.includes(peer.role)) return undefined;
  return {
    code: status.PERMISSION_DENIED,
    details: `${path}: ${peer.role} ${peer.name} may not call this`,
  };
}

/** A server interceptor enforcing `policy` before any handler runs. */
export function authorizeCalls(policy: CallPolicy): ServerInterceptor {
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        const refusal = verdict(method.path, callPeer(call), policy);
        if (!refusal) return next();
        // Read nothing of the refused call, answer with the status, and never reach the handler.
        next({
          onReceiveMetadata: () => undefined,
          onReceiveMessage: () => undefined,
          onReceiveHalfClose: () => undefined,
        });
        call.sendStatus({ ...refusal, metadata: new Metadata() });
      },
    });
}
