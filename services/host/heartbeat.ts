import type { Toolstack } from "../dom0/toolstack.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import { HOST_CHUNK_POOL } from "../core/memory/page-store.js";
import type { Heartbeat, HeartbeatCpupool } from "../contracts/heartbeat.js";
import { domainsIn, listCpupools } from "../dom0/cpupool.js";

/** Each pool's size and the vCPUs its DomUs have online, for placement by pool. */
function heartbeatCpupools(toolstack: Toolstack): HeartbeatCpupool[] {
  return listCpupools(toolstack).map((pool) => {
    let vcpusAllocated = 0;
    for (const record of domainsIn(toolstack, pool.poolId))
      if (record.domid !== 0) vcpusAllocated += toolstack.domainOf(record).vcpusOnline;
    return { name: pool.name, pcpus: pool.cpus.length, vcpusAllocated };
  });
}

export function buildHeartbeat(
  toolstack: Toolstack,
  address: string,
  sequence: number,
  intervalMs: number,
  migrations: { outbound: number; inbound: number },
  timeMs: number,
): Heartbeat {
  const frames = toolstack.hypervisor.frames;
  let vcpusAllocated = 0;
  for (const domain of toolstack.hypervisor.domains())
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
    cpupools: heartbeatCpupools(toolstack),
  };
}
