import type { DistinguishedName } from "./x509.js";

/**
 * Who is who in a cluster. A certificate's subject carries the role (OU) and the name (CN):
 * a host's CN is its host id, the one its heartbeats and NATS subjects carry.
 */
export const ROLES = ["host", "scheduler", "operator", "nats"] as const;
export type Role = (typeof ROLES)[number];

/** The O of every certificate a cluster CA issues. */
export const CLUSTER_ORGANIZATION = "xsim";

export interface PeerIdentity {
  role: Role;
  name: string;
}

export function subjectOf(role: Role, name: string): DistinguishedName {
  return { organization: CLUSTER_ORGANIZATION, organizationalUnit: role, commonName: name };
}

/**
 * The subject as nats-server's `verify_and_map` matches it against a user name: RFC 2253 order
 * (the last RDN first), as Go's pkix.Name.String() prints it.
 */
export function natsUserOf(role: Role, name: string): string {
  return `CN=${name},OU=${role},O=${CLUSTER_ORGANIZATION}`;
}

/** Role and name from a verified peer certificate's subject fields; undefined if it is not ours. */
export function peerIdentityOf(subject: {
  O?: unknown;
  OU?: unknown;
  CN?: unknown;
}): PeerIdentity | undefined {
  const { O: organization, OU: role, CN: name } = subject;
  if (organization !== CLUSTER_ORGANIZATION || typeof name !== "string" || name === "") return undefined;
  const known = ROLES.find((candidate) => candidate === role);
  return known ? { role: known, name } : undefined;
}
