/** NATS subjects, as specified in docs/specs/nats-subjects.md (version 1). */
export const SUBJECT_PREFIX = "xsim";

export function heartbeatSubject(hostId: string): string {
  return `${SUBJECT_PREFIX}.host.${hostId}.heartbeat`;
}

export function domainEventSubject(hostId: string, event: string): string {
  return `${SUBJECT_PREFIX}.host.${hostId}.domain.${event}`;
}

export function migrationSubject(migrationId: string, what: "progress" | "status"): string {
  return `${SUBJECT_PREFIX}.migration.${migrationId}.${what}`;
}

export const ALL_HEARTBEATS = `${SUBJECT_PREFIX}.host.*.heartbeat`;
export const ALL_DOMAIN_EVENTS = `${SUBJECT_PREFIX}.host.*.domain.*`;

/** Host ids become subject tokens: letters, digits, "-" and "_" only. */
export const HOST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
