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

/**
 * The cluster's state store (docs/specs/state-store.md, docs/specs/ha.md §1-3): the scheduler writes
 * any key; a host writes only the name reservations (`name.*`, compare-and-set), the HA records'
 * migration trace (`ha.*`: `migratingTo`, compare-and-set, before a protected guest it migrates
 * moves, ha.md §5) and its own lease (`lease.<hostId>`), and reads the bucket (leases of its peers,
 * `cluster.ha`, names). `ha.*` gives a host no power it lacks: the records are written from what
 * hosts list (a host's List reply is its config), and a host that may free any name can already
 * keep HA from restarting a guest.
 */
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
];

/** The keys a host may write (a put, a compare-and-set, a delete: all publish on `$KV.<bucket>.<key>`). */
export function hostKvWrites(hostId: string): string[] {
  return [
    `$KV.${SCHEDULER_KV_BUCKET}.name.>`,
    `$KV.${SCHEDULER_KV_BUCKET}.ha.>`,
    `$KV.${SCHEDULER_KV_BUCKET}.lease.${hostId}`,
  ];
}

export function natsPermissionsOf(role: Role, name: string): NatsPermissions {
  const inbox = `${inboxPrefixOf(role, name)}.>`;
  switch (role) {
    case "host":
      return {
        publish: {
          allow: [`xsim.host.${name}.>`, "xsim.migration.>", ...KV_CLIENT_API, ...hostKvWrites(name)],
          // Not the scheduler's answers to another host's shutdown, nor any stream's deletion.
          deny: ["xsim.host.*.shutdown.progress", "$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>"],
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
