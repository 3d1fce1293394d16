import type { Toolstack } from "../dom0/toolstack.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import { HOST_CHUNK_POOL } from "../core/memory/page-store.js";
import type { Heartbeat, HeartbeatCpupool } from "../contracts/heartbeat.js";
import { cpupoolName } from "../dom0/cpupool.js";
import { DOMID_DOM0 } from "../core/units.js";
import type { HostScheduler } from "../core/sched/index.js";

/** One pool's name and size as the last heartbeat showed them. */
interface PoolShown {
  poolId: number;
  name: string;
  pcpus: number;
}

/**
 * A host's heartbeat pools (xl cpupool-list: name, size, the vCPUs its DomUs have online), built
 * again only when they may have changed: the pools and names are kept while the scheduler's
 * cpupoolVersion and the store's changeCount (a pool's name is a xenstore node) stand still, and
 * the last array, frozen, is the next heartbeat's while the vCPU counts are the same too (an idle
 * host's heartbeat a second sorts, reads xenstore and allocates nothing for its pools).
 */
export class HeartbeatCpupools {
  private scheduler: HostScheduler | undefined;
  private cpupoolVersion = -1;
  private storeChangeCount = -1;
  private shown: readonly PoolShown[] = [];
  private last: readonly Readonly<HeartbeatCpupool>[] = [];

  /** The pools now: the last array again when nothing in it changed; frozen either way. */
  of(toolstack: Toolstack): readonly Readonly<HeartbeatCpupool>[] {
    const shown = this.poolsNow(toolstack);
    const vcpusByPool = vcpusOnlineByPool(toolstack);
    const last = this.last;
    let same = last.length === shown.length;
    const pools = shown.map((pool, index) => {
      const vcpusAllocated = vcpusByPool?.get(pool.poolId) ?? 0;
      const before = last[index];
      if (
        before !== undefined &&
        before.name === pool.name &&
        before.pcpus === pool.pcpus &&
        before.vcpusAllocated === vcpusAllocated
      )
        return before;
      same = false;
      return Object.freeze({ name: pool.name, pcpus: pool.pcpus, vcpusAllocated });
    });
    if (!same) this.last = Object.freeze(pools);
    return this.last;
  }

  private poolsNow(toolstack: Toolstack): readonly PoolShown[] {
    const scheduler = toolstack.hypervisor.cpupools;
    const storeChangeCount = toolstack.store.changeCount;
    if (
      scheduler === this.scheduler &&
      scheduler.cpupoolVersion === this.cpupoolVersion &&
      storeChangeCount === this.storeChangeCount
    )
      return this.shown;
    this.shown = scheduler.cpupools().map((pool) => ({
      poolId: pool.poolId,
      name: cpupoolName(toolstack, pool.poolId),
      pcpus: pool.cpus.length,
    }));
    this.scheduler = scheduler;
    this.cpupoolVersion = scheduler.cpupoolVersion;
    this.storeChangeCount = storeChangeCount;
    return this.shown;
  }
}

/** The vCPUs each pool's DomUs have online (one pass over the domains); undefined without DomUs. */
function vcpusOnlineByPool(toolstack: Toolstack): Map<number, number> | undefined {
  const hypervisor = toolstack.hypervisor;
  let vcpusByPool: Map<number, number> | undefined;
  for (const record of toolstack.records.values()) {
    if (record.domid === DOMID_DOM0) continue;
    const poolId = hypervisor.domainCpupool(record.domid);
    vcpusByPool ??= new Map();
    vcpusByPool.set(poolId, (vcpusByPool.get(poolId) ?? 0) + toolstack.domainOf(record).vcpusOnline);
  }
  return vcpusByPool;
}

export function buildHeartbeat(
  toolstack: Toolstack,
  address: string,
  sequence: number,
  intervalMs: number,
  migrations: { outbound: number; inbound: number },
  timeMs: number,
  listVersion?: number,
  cpupools: HeartbeatCpupools = new HeartbeatCpupools(),
): Heartbeat {
  const frames = toolstack.hypervisor.frames;
  let vcpusAllocated = 0;
  for (const domain of toolstack.hypervisor.domainsInOrder)
    if (domain.domid !== 0) vcpusAllocated += domain.vcpusOnline;
  const beat: Heartbeat = {
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
    listVersion,
    // Frozen and shared with earlier heartbeats: nobody changes a heartbeat (contracts/bus.ts).
    cpupools: cpupools.of(toolstack) as HeartbeatCpupool[],
  };
  // A literal of one shape (no spread of an optional field): absent, the field is not there at all.
  if (listVersion === undefined) delete beat.listVersion;
  return beat;
}
