import type { Role } from "./roles.js";

/**
 * What each member of the cluster may publish and subscribe to on NATS (docs/specs/nats-subjects.md,
 * "Permissions"). nats-server enforces it per certificate (`verify_and_map`): a host publishes only
 * under its own `xsim.host.<hostId>.>`, so a heartbeat or event for host A cannot come from host B.
 */
export interface NatsPermissions {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[]; deny?: string[] };
}

/** The scheduler's durable state (services/scheduler/state-store.ts): only the scheduler writes it. */
export const SCHEDULER_KV_BUCKET = "xsim-scheduler";

/** Each client's reply subjects live under its own prefix, so no one can read another's replies. */
export function inboxPrefixOf(role: Role, name: string): string {
  return `_INBOX_${role}_${name}`;
}

/**
 * A JetStream key-value client's API (nats.js `views.kv`: bucket info/create, get, put, watch,
 * keys), without stream deletion, purge or update. `$KV.<bucket>.<key>` is a put.
 */
const KV_CLIENT_API = [
  "$JS.API.INFO",
  "$JS.API.STREAM.INFO.*",
  "$JS.API.STREAM.CREATE.*",
  "$JS.API.STREAM.NAMES",
  "$JS.API.STREAM.MSG.GET.*",
  "$JS.API.DIRECT.GET.>",
  "$JS.API.CONSUMER.>",
  "$JS.FC.>",
  "$KV.>",
];

export function natsPermissionsOf(role: Role, name: string): NatsPermissions {
  const inbox = `${inboxPrefixOf(role, name)}.>`;
  switch (role) {
    case "host":
      return {
        publish: {
          allow: [`xsim.host.${name}.>`, "xsim.migration.>", ...KV_CLIENT_API],
          deny: [`$KV.${SCHEDULER_KV_BUCKET}.>`],
        },
        // Its own subjects (its heartbeats back for fencing, its shutdown's progress) and others' heartbeats.
        subscribe: { allow: [inbox, `xsim.host.${name}.>`, "xsim.host.*.heartbeat"] },
      };
    case "scheduler":
      return {
        // JetStream (its KV state) and the progress of hosts' shutdowns; never a host's own subjects.
        publish: {
          allow: [
            "$JS.API.>",
            "$JS.FC.>",
            "$JS.ACK.>",
            "$KV.>",
            "xsim.scheduler.>",
            "xsim.host.*.shutdown.progress",
          ],
        },
        subscribe: { allow: [inbox, "xsim.>"] },
      };
    case "operator":
      // Reads the cluster's events and progress (xsim's watchers, tests); publishes nothing.
      return { publish: { allow: [], deny: [">"] }, subscribe: { allow: [inbox, "xsim.>"] } };
    case "nats":
      return { publish: { allow: [], deny: [">"] }, subscribe: { allow: [], deny: [">"] } };
  }
}
