import {
  credentials,
  ServerCredentials,
  type ChannelCredentials,
  type ChannelOptions,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import type { ServiceIdentity } from "../../identity/pki.js";
import type { Role } from "../../identity/roles.js";
import { clusterChannelCredentials, clusterServerCredentials } from "./grpc-credentials.js";
import { authorizeCalls, type CallPolicy } from "./authorize-calls.js";

/**
 * The process's cluster credentials, set once by the wiring (a service's main.ts, the CLI, a
 * test) before it opens any channel: either the identity it was issued, or an explicit `insecure`
 * (--insecure, debugging only). Every channel and server of this process takes them from here.
 */
export type ClusterSecurity =
  | { kind: "tls"; identity: ServiceIdentity }
  | { kind: "insecure" }
  /** No credentials were found: opening a channel fails with `reason` (the CLI outside a cluster). */
  | { kind: "missing"; reason: string };

let current: ClusterSecurity = { kind: "insecure" };

export function useClusterSecurity(security: ClusterSecurity): void {
  current = security;
}

export function clusterSecurity(): ClusterSecurity {
  return current;
}

/**
 * Credentials for a channel to a server of one of `serverRoles`, under `security` (default: the
 * process's; a bench or test holding several identities passes its own).
 */
export function channelCredentials(
  serverRoles: readonly Role[],
  security: ClusterSecurity = current,
): ChannelCredentials {
  if (security.kind === "missing") throw new Error(security.reason);
  return security.kind === "tls"
    ? clusterChannelCredentials(security.identity, serverRoles)
    : credentials.createInsecure();
}

/**
 * The TLS server name a channel sends (SNI): a fixed name, since hosts are reached by addresses
 * (often IPs, which SNI may not carry) and identified by their certificate's role instead.
 */
export const CLUSTER_TLS_SERVER_NAME = "xsim-cluster";

/**
 * Channel options that go with `channelCredentials`. channelz off, as on every server
 * (transport/grpc/server-options.ts): its per-call and per-message counters are read by nothing.
 */
export function clusterChannelOptions(security: ClusterSecurity = current): Partial<ChannelOptions> {
  return security.kind === "tls"
    ? { "grpc.enable_channelz": 0, "grpc.ssl_target_name_override": CLUSTER_TLS_SERVER_NAME }
    : { "grpc.enable_channelz": 0 };
}

export function serverCredentials(security: ClusterSecurity = current): ServerCredentials {
  if (security.kind === "missing") throw new Error(security.reason);
  return security.kind === "tls"
    ? clusterServerCredentials(security.identity)
    : ServerCredentials.createInsecure();
}

/** Server interceptors that enforce `policy` (none when insecure: everyone may call everything). */
export function serverInterceptors(
  policy: CallPolicy,
  security: ClusterSecurity = current,
): ServerInterceptor[] {
  return security.kind === "insecure" ? [] : [authorizeCalls(policy)];
}

/** The loud line every service and the CLI print when started with --insecure. */
export const INSECURE_WARNING =
  "WARNING: --insecure: no TLS, no authentication, no authorisation. Anyone who can reach this " +
  "cluster's ports can read and run it. For debugging only.";
