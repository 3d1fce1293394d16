import type { DomainEvent } from "../contracts/domain-event.js";

/** Lines the hypervisor's console ring keeps (`xl dmesg`); Xen's conring holds 16 KiB by default. */
export const CONRING_LINE_COUNT_MAX = 1024;
/** Lines a guest's console keeps (`xl console`). */
export const GUEST_CONSOLE_LINE_COUNT_MAX = 512;

/**
 * The hypervisor-log line for a domain event: what the host did to a domain (builds, destroys,
 * migrations, shutdowns, scheduler and memory changes), one line each, `dN` as Xen names domains.
 */
export function describeDomainEvent(event: DomainEvent): string {
  const who = `d${event.domid} (${event.name})`;
  const detail = event.detail ?? {};
  switch (event.event) {
    case "created":
      return `${who}: domain built, ${Math.round(event.memoryKib / 1024)} MiB, ${event.vcpus} vCPUs, uuid ${event.uuid}`;
    case "destroyed":
      return `${who}: domain destroyed`;
    case "migrated-in":
      return `${who}: migrated in from ${String(detail["from"] ?? "?")}`;
    case "migrated-out":
      return `${who}: migrated out to ${String(detail["to"] ?? "?")}`;
    case "fenced":
      return `${who}: fenced (HA: this host lost its lease), domain destroyed`;
    case "shutdown":
    case "crashed":
      return `${who}: shut down, reason ${String(detail["reason"] ?? "?")}, action ${String(detail["action"] ?? "?")}`;
    case "memory":
      return `${who}: memory target ${event.memoryKib} KiB`;
    case "vcpus":
      return `${who}: ${event.vcpus} vCPUs online`;
    default:
      return `${who}: ${event.event}${formatDetail(detail)}`;
  }
}

function formatDetail(detail: Record<string, string | number | boolean>): string {
  const pairs = Object.entries(detail).map(([key, value]) => `${key}=${String(value)}`);
  return pairs.length === 0 ? "" : ` ${pairs.join(" ")}`;
}
