import type { Toolstack } from "../dom0/toolstack.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import { HOST_CHUNK_POOL } from "../core/memory/page-store.js";
import type { Heartbeat, HeartbeatCpupool } from "../contracts/heartbeat.js";
import { cpupoolName } from "../dom0/cpupool.js";
import { DOMID_DOM0 } from "../core/units.js";

/** Each pool's size and the vCPUs its DomUs have online, for placement by pool (one pass over the domains). */
function heartbeatCpupools(toolstack: Toolstack): HeartbeatCpupool[] {
  const hypervisor = toolstack.hypervisor;
  let vcpusByPool: Map<number, number> | undefined;
  for (const record of toolstack.records.values()) {
    if (record.domid === DOMID_DOM0) continue;
    const poolId = hypervisor.domainCpupool(record.domid);
    vcpusByPool ??= new Map();
    vcpusByPool.set(poolId, (vcpusByPool.get(poolId) ?? 0) + toolstack.domainOf(record).vcpusOnline);
  }
  return hypervisor.cpupools.cpupools().map((pool) => ({
    name: cpupoolName(toolstack, pool.poolId),
    pcpus: pool.cpus.length,
    vcpusAllocated: vcpusByPool?.get(pool.poolId) ?? 0,
  }));
}

export function buildHeartbeat(
  toolstack: Toolstack,
  address: string,
  sequence: number,
  intervalMs: number,
  migrations: { outbound: number; inbound: number },
  timeMs: number,
  listVersion?: number,
): Heartbeat {
  const frames = toolstack.hypervisor.frames;
  let vcpusAllocated = 0;
  for (const domain of toolstack.hypervisor.domainsInOrder)
    if (domain.domid !== 0) vcpusAllocated += domain.vcpusOnline;
  return {
    hostId: toolstack.spec.hostId,
    address,
    sequence,
    timeMs,
    pcpus: toolstack.spec.pcpuCount,
    hvm: toolstack.spec.hvmCapable,
    totalMemoryKib: (frames.frameCountTotal * PAGE_SIZE_BYTES) / 1024,
    freeMemoryKib: (frames.frameCountFreeNow * PAGE_SIZE_BYTES) / 1024,
    domainCount: toolstack.hypervisor.domainCount,
    vcpusAllocated,
    migrationsOutbound: migrations.outbound,
    migrationsInbound: migrations.inbound,
    intervalMs,
    realMemoryUsedBytes: HOST_CHUNK_POOL.byteCountHeld,
    ...(listVersion === undefined ? {} : { listVersion }),
    cpupools: heartbeatCpupools(toolstack),
  };
}
