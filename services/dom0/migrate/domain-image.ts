import type { Toolstack, DomainRecord } from "../toolstack.js";
import type { JsonObject } from "../stream/record-encode.js";
import { domainPath } from "../../xenstore/paths.js";
import type { SenderDomain } from "./sender.js";

/** The xenstore subtree of the guest's own data that travels with it (guest-written keys). */
export const MIGRATED_XENSTORE_SUBTREES = ["data", "attr"];

/** DOMAIN_INFO: identity, sizes and the whole configuration, so the destination can check it. */
export function domainInfoOf(toolstack: Toolstack, record: DomainRecord): JsonObject {
  const domain = toolstack.domainOf(record);
  return {
    name: record.name,
    uuid: record.uuid,
    type: domain.type,
    memoryKib: domain.memoryKib,
    maxmemKib: domain.maxmemKib,
    pageCount: domain.memory.pageCount,
    vcpus: domain.vcpusOnline,
    maxvcpus: domain.maxvcpus,
    sourceHostId: toolstack.spec.hostId,
    sourceDomid: record.domid,
    config: record.config,
  };
}

/** The toolstack's view of a domain being saved: memory, pause, throttle and the context records. */
export function senderDomainOf(toolstack: Toolstack, record: DomainRecord): SenderDomain {
  const domain = toolstack.domainOf(record);
  return {
    memory: domain.memory,
    pause: () => toolstack.hypervisor.pauseDomain(record.domid),
    setThrottle: (fraction) => (domain.throttleFraction = fraction),
    domainInfo: () => domainInfoOf(toolstack, record),
    vcpuContext: () => ({
      vcpus: Array.from({ length: domain.maxvcpus }, (_, id) => ({ id, online: id < domain.vcpusOnline })),
      cpuTimeNs: domain.cpuTimeNs,
      weight: domain.weight,
      cap: domain.cap,
    }),
    xenstoreData: () => guestXenstoreData(toolstack, record.domid),
    deviceInfo: () => ({
      vifs: record.config.vifs,
      disks: record.config.disks,
    }),
  };
}

function guestXenstoreData(toolstack: Toolstack, domid: number): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const subtree of MIGRATED_XENSTORE_SUBTREES) {
    const path = `${domainPath(domid)}/${subtree}`;
    if (!toolstack.store.exists(path)) continue;
    for (const [key, value] of Object.entries(toolstack.store.snapshot(path))) {
      entries[key === "" ? subtree : `${subtree}/${key}`] = value;
    }
  }
  return entries;
}
