import type { Toolstack } from "../dom0/toolstack.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import { HOST_CHUNK_POOL } from "../core/memory/page-store.js";
import type { Heartbeat, HeartbeatCpupool } from "../contracts/heartbeat.js";
import { cpupoolName } from "../dom0/cpupool.js";
import { DOMID_DOM0 } from "../core/units.js";
import type { HostScheduler } from "../core/sched/index.js";
import { frozenJson, type FrozenJson } from "../contracts/bus.js";

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
  private last: FrozenJson<readonly Readonly<HeartbeatCpupool>[]> = frozenJson([]);
  /**
   * The pools `last` was last found to show with no DomU (every vcpusAllocated 0): while
   * poolsNow gives this same array and there is still no DomU, `last` is the answer without a
   * comparison (both arrays are never changed, so the comparison would find it the same again).
   */
  private lastShownWithoutDomUs: readonly PoolShown[] | undefined;

  /**
   * The pools now: the last array again when nothing in it changed (nothing allocated); a new one,
   * frozen and checked as parsed JSON (frozenJson), when something did.
   */
  of(toolstack: Toolstack): FrozenJson<readonly Readonly<HeartbeatCpupool>[]> {
    const shown = this.poolsNow(toolstack);
    const vcpusByPool = vcpusOnlineByPool(toolstack);
    const last = this.last;
    if (vcpusByPool === undefined && shown === this.lastShownWithoutDomUs) return last;
    let same = last.length === shown.length;
    for (let index = 0; same && index < shown.length; index++)
      same = isShownAs(last[index]!, shown[index]!, vcpusByPool?.get(shown[index]!.poolId) ?? 0);
    if (same) {
      this.lastShownWithoutDomUs = vcpusByPool === undefined ? shown : undefined;
      return last;
    }
    this.lastShownWithoutDomUs = undefined;
    const pools = shown.map((pool, index) => {
      const vcpusAllocated = vcpusByPool?.get(pool.poolId) ?? 0;
      const before = last[index];
      if (before !== undefined && isShownAs(before, pool, vcpusAllocated)) return before;
      return Object.freeze({ name: pool.name, pcpus: pool.pcpus, vcpusAllocated });
    });
    this.last = frozenJson(Object.freeze(pools));
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

function isShownAs(pool: Readonly<HeartbeatCpupool>, shown: PoolShown, vcpusAllocated: number): boolean {
  return pool.name === shown.name && pool.pcpus === shown.pcpus && pool.vcpusAllocated === vcpusAllocated;
}

/** The vCPUs each pool's DomUs have online (one pass over the domains); undefined without DomUs. */
function vcpusOnlineByPool(toolstack: Toolstack): Map<number, number> | undefined {
  const records = toolstack.records;
  // Dom0 alone (an idle host, every second): no iterator to make.
  if (records.size === (records.has(DOMID_DOM0) ? 1 : 0)) return undefined;
  const hypervisor = toolstack.hypervisor;
  let vcpusByPool: Map<number, number> | undefined;
  for (const record of records.values()) {
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
  return heartbeatOf(
    toolstack,
    address,
    sequence,
    intervalMs,
    migrations.outbound,
    migrations.inbound,
    timeMs,
    listVersion,
    cpupools.of(toolstack),
  );
}

/**
 * buildHeartbeat's heartbeat ready for the bus, as a FrozenJson: frozen in place once
 * isParsedJsonHeartbeat found every field as JSON.parse would give it (a host's heartbeat a second:
 * no walk of it by the bus, no copy), else the frozen copy handOverJson makes.
 */
export function frozenHeartbeat(
  toolstack: Toolstack,
  address: string,
  sequence: number,
  intervalMs: number,
  migrationsOutbound: number,
  migrationsInbound: number,
  timeMs: number,
  listVersion: number | undefined,
  cpupools: HeartbeatCpupools,
): FrozenJson<Heartbeat> {
  const pools = cpupools.of(toolstack);
  const beat = heartbeatOf(
    toolstack,
    address,
    sequence,
    intervalMs,
    migrationsOutbound,
    migrationsInbound,
    timeMs,
    listVersion,
    pools,
  );
  if (!isParsedJsonHeartbeat(beat, pools)) return frozenJson(beat);
  return Object.freeze(beat) as FrozenJson<Heartbeat>;
}

function heartbeatOf(
  toolstack: Toolstack,
  address: string,
  sequence: number,
  intervalMs: number,
  migrationsOutbound: number,
  migrationsInbound: number,
  timeMs: number,
  listVersion: number | undefined,
  pools: readonly Readonly<HeartbeatCpupool>[],
): Heartbeat {
  const frames = toolstack.hypervisor.frames;
  const vcpusAllocated = vcpusAllocatedOf(toolstack);
  // The only literal of a heartbeat: isParsedJsonHeartbeat checks each of its fields, no more.
  const beat: Heartbeat = {
    hostId: toolstack.spec.hostId,
    address,
    sequence,
    timeMs: smallNumber(timeMs),
    pcpus: toolstack.spec.pcpuCount,
    hvm: toolstack.spec.hvmCapable,
    totalMemoryKib: memoryKibOfFrames(frames.frameCountTotal),
    freeMemoryKib: memoryKibOfFrames(frames.frameCountFreeNow),
    domainCount: toolstack.hypervisor.domainCount,
    vcpusAllocated,
    migrationsOutbound,
    migrationsInbound,
    intervalMs,
    realMemoryUsedBytes: HOST_CHUNK_POOL.byteCountHeld,
    listVersion,
    // Frozen and shared with earlier heartbeats: nobody changes a heartbeat (contracts/bus.ts).
    cpupools: pools as HeartbeatCpupool[],
  };
  // A literal of one shape (no spread of an optional field): absent, the field is not there at all.
  if (listVersion === undefined) delete beat.listVersion;
  return beat;
}

/** Memory of `frameCount` frames in KiB, as a heartbeat shows it (a small integer: smallNumber). */
export function memoryKibOfFrames(frameCount: number): number {
  return smallNumber((frameCount * PAGE_SIZE_BYTES) / 1024);
}

/**
 * `value`, as a small integer (V8's Smi) when it is one. An object's field keeps the representation
 * of the first values stored in it, and a number computed in floating point (a time as ns / 1e6, a
 * size as bytes * 4096 / 1024) is a boxed double even when whole: a field that held one boxes
 * every later value in a 16-byte HeapNumber of its own, and its readers load the box to compare
 * it. A heartbeat's whole times and memory sizes kept small integers, an idle host's repeated
 * heartbeat copies them with no box to make (three a second) or to load. The same number either
 * way (-0 stays -0: it is no small integer).
 */
export function smallNumber(value: number): number {
  const small = value | 0;
  return small === value && (small !== 0 || 1 / value > 0) ? small : value;
}

/** The vCPUs the host's DomUs have online (a heartbeat's vcpusAllocated). */
export function vcpusAllocatedOf(toolstack: Toolstack): number {
  let vcpusAllocated = 0;
  for (const domain of toolstack.hypervisor.domainsInOrder)
    if (domain.domid !== 0) vcpusAllocated += domain.vcpusOnline;
  return vcpusAllocated;
}

/**
 * Whether two heartbeats of one host show the same, but for what moves every second without
 * anything happening on the host: the sequence, the time, and the process's real-memory figure
 * (one process's, shared by every host of a one-process cluster). The pools are compared as the
 * same frozen array (HeartbeatCpupools gives the last one again while they stay the same).
 */
export function showsSame(a: Heartbeat, b: Heartbeat): boolean {
  return (
    a.hostId === b.hostId &&
    a.address === b.address &&
    a.pcpus === b.pcpus &&
    a.hvm === b.hvm &&
    a.totalMemoryKib === b.totalMemoryKib &&
    a.freeMemoryKib === b.freeMemoryKib &&
    a.domainCount === b.domainCount &&
    a.vcpusAllocated === b.vcpusAllocated &&
    a.migrationsOutbound === b.migrationsOutbound &&
    a.migrationsInbound === b.migrationsInbound &&
    a.intervalMs === b.intervalMs &&
    a.listVersion === b.listVersion &&
    a.cpupools === b.cpupools
  );
}

/**
 * `last` again with a new sequence, time and real-memory figure, ready for the bus (a FrozenJson as
 * `last` is: the new values are finite numbers, as the old ones were). Frozen when `freeze`; else
 * frozen by construction only: made here of frozen `last`'s values, it goes to the bus and becomes
 * the host's last heartbeat, and no code of ours writes to a heartbeat. Object.freeze is about 500
 * instructions (valgrind, node 20), a twelfth of an idle host's simulated second at 1 s, so the
 * shared second's repeats (host.ts) are frozen where it checks them (the VOPR, the tests: a write
 * to one throws there) and not in a bench.
 */
export function repeatedHeartbeat(
  last: FrozenJson<Heartbeat>,
  sequence: number,
  timeMs: number,
  freeze = true,
): FrozenJson<Heartbeat> {
  // heartbeatOf's literal, field for field (one shape for every heartbeat), not a spread of `last`.
  const beat: Heartbeat = {
    hostId: last.hostId,
    address: last.address,
    sequence,
    timeMs: smallNumber(timeMs),
    pcpus: last.pcpus,
    hvm: last.hvm,
    totalMemoryKib: last.totalMemoryKib,
    freeMemoryKib: last.freeMemoryKib,
    domainCount: last.domainCount,
    vcpusAllocated: last.vcpusAllocated,
    migrationsOutbound: last.migrationsOutbound,
    migrationsInbound: last.migrationsInbound,
    intervalMs: last.intervalMs,
    realMemoryUsedBytes: HOST_CHUNK_POOL.byteCountHeld,
    listVersion: last.listVersion,
    cpupools: last.cpupools,
  };
  if (last.listVersion === undefined) delete beat.listVersion;
  if (!isParsedJsonNumber(sequence) || !isParsedJsonNumber(timeMs)) return frozenJson(beat);
  return (freeze ? Object.freeze(beat) : beat) as FrozenJson<Heartbeat>;
}

/**
 * Whether `beat`, made by heartbeatOf's literal (these fields and no others), is what JSON.parse of
 * its JSON would give: strings, booleans, finite numbers other than -0, no field undefined, and
 * `pools` (a FrozenJson already) as its cpupools. handOverJson's walk would find the same, at several
 * times the cost (for...in over the fields, a freeze per object).
 */
function isParsedJsonHeartbeat(beat: Heartbeat, pools: FrozenJson<readonly unknown[]>): boolean {
  const b = beat as unknown as Record<keyof Heartbeat, unknown>;
  return (
    typeof b.hostId === "string" &&
    typeof b.address === "string" &&
    isParsedJsonNumber(b.sequence) &&
    isParsedJsonNumber(b.timeMs) &&
    isParsedJsonNumber(b.pcpus) &&
    typeof b.hvm === "boolean" &&
    isParsedJsonNumber(b.totalMemoryKib) &&
    isParsedJsonNumber(b.freeMemoryKib) &&
    isParsedJsonNumber(b.domainCount) &&
    isParsedJsonNumber(b.vcpusAllocated) &&
    isParsedJsonNumber(b.migrationsOutbound) &&
    isParsedJsonNumber(b.migrationsInbound) &&
    isParsedJsonNumber(b.intervalMs) &&
    isParsedJsonNumber(b.realMemoryUsedBytes) &&
    (b.listVersion === undefined ? !Object.hasOwn(b, "listVersion") : isParsedJsonNumber(b.listVersion)) &&
    b.cpupools === pools
  );
}

/** A number JSON.parse can give: finite, and not -0 ("-0" parses as -0, but JSON.stringify writes "0"). */
function isParsedJsonNumber(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && (value !== 0 || 1 / value > 0);
}
