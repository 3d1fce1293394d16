import { subjectMatches } from "../contracts/bus.js";
import { natsPermissionsOf, SCHEDULER_KV_BUCKET, type NatsPermissions } from "./nats-permissions.js";
import type { Role } from "./roles.js";

/**
 * nats-server's authorization as it applies the permissions of nats-permissions.ts, for whoever
 * must behave as the server does without running it: the in-process cluster's broker and bucket
 * (services/sim), so that a member writing a subject or key the real server would refuse it is
 * refused there too, with the server's words. The real server reads the same table through
 * nats-config.ts: one source for both.
 */
export interface NatsAuthorization {
  /** Undefined: the server's refusal of a publish on `subject`; else it is allowed. */
  publishRefusal(subject: string): string | undefined;
  /** Undefined: the server's refusal of a subscription to `subject`; else it is allowed. */
  subscribeRefusal(subject: string): string | undefined;
}

/** The words nats-server sends (`-ERR`) when it refuses a publish (server/client.go). */
export function publishViolation(subject: string): string {
  return `Permissions Violation for Publish to "${subject}"`;
}

/** The words nats-server sends when it refuses a subscription. */
export function subscribeViolation(subject: string): string {
  return `Permissions Violation for Subscription to "${subject}"`;
}

/** The subject a key-value write (put, compare-and-set, delete) publishes on: `$KV.<bucket>.<key>`. */
export function kvWriteSubject(key: string): string {
  return `$KV.${SCHEDULER_KV_BUCKET}.${key}`;
}

/**
 * A state store write the server refused, the same words from the real store (the server's text)
 * and the in-process one: "the cluster's state store refused the put of lease.h2: Permissions
 * Violation for Publish to "$KV.xsim-scheduler.lease.h2"".
 */
export function storeWriteRefusal(operation: string, key: string, violation: string): string {
  return `the cluster's state store refused the ${operation} of ${key}: ${violation} (nats-server's permissions for this member, services/identity/nats-permissions.ts)`;
}

/** `member` as nats-server authorizes it (a role and its name: a host's id). */
export function natsAuthorizationOf(role: Role, name: string): NatsAuthorization {
  const permissions = natsPermissionsOf(role, name);
  return {
    publishRefusal: (subject) =>
      allows(permissions.publish, subject) ? undefined : publishViolation(subject),
    subscribeRefusal: (subject) =>
      allows(permissions.subscribe, subject) ? undefined : subscribeViolation(subject),
  };
}

/**
 * nats-server's rule: allowed when the allow list is empty or one of its entries matches, and no
 * deny entry matches. A subscription's own wildcards are tokens like any other here, so `xsim.>`
 * is allowed by `xsim.>` or `>` only, never by `xsim.host.*.heartbeat` (a subset is not enough).
 */
function allows(rules: NatsPermissions["publish"], subject: string): boolean {
  const allowed = rules.allow.length === 0 || rules.allow.some((p) => subjectMatches(p, subject));
  return allowed && !(rules.deny ?? []).some((p) => subjectMatches(p, subject));
}
