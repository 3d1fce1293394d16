import { XenError, assert } from "../errors.js";
import type { Prng } from "../prng.js";
import { CpuMask, PCPU_COUNT_MAX } from "./cpu-mask.js";
import { type DemandShape, THROTTLE_FRACTION_MAX, VcpuDemand } from "./demand/index.js";
import type { SchedEngine } from "./engine.js";
import type { SchedDomainParams, SchedPolicy, SchedPoolParams, SchedulerName } from "./policy.js";
import { type PoolDomain, PoolSched } from "./pool-sched.js";
import { Vcpu } from "./vcpu.js";
import { type VcpuInfo, vcpuInfoOf } from "./vcpu-info.js";

/** The most vCPUs one domain may have (Xen's HVM_MAX_VCPUS on x86 is 128). */
export const VCPU_COUNT_PER_DOMAIN_MAX = 128;
/** PRNG streams of a domain's vCPU demand: far from the streams the domain's workload uses. */
const DEMAND_PRNG_STREAM_BASE = 0x5c4ed000;

export interface SchedDomainSetup {
  vcpuCountMax: number;
  params: SchedDomainParams;
  demand: DemandShape;
  /** The domain's PRNG; each vCPU's demand draws from its own fork of it. */
  prng: Prng;
  /** The cpupool it runs in; default Pool-0. */
  poolId?: number;
}

/** Pool-0's id: it exists from boot with every pCPU and holds Dom0 (xen/common/sched/cpupool.c). */
export const CPUPOOL_ID_POOL0 = 0;
/** The most CPU pools one host keeps (Xen has no fixed limit; a named bound on the table). */
export const CPUPOOL_COUNT_MAX = 256;

/** One pool as `xl cpupool-list` needs it (libxl_cpupoolinfo, less the name libxl keeps). */
export interface CpupoolInfo {
  poolId: number;
  scheduler: SchedulerName;
  cpus: readonly number[];
  domainCount: number;
}

/**
 * vCPU scheduling of one host: its CPU pools (Pool-0 from boot with every pCPU), each with its own
 * policy (credit or credit2) and engine over only its pCPUs; a pCPU is in at most one pool, a domain
 * in exactly one. Bad requests throw XenError and change nothing.
 */
export class HostScheduler {
  private readonly pools = new Map<number, PoolSched>();
  /** The pools in the Map's order, for the tick's walk (no iterator per tick); undefined after a change. */
  private poolsInOrder: PoolSched[] | undefined;
  private readonly poolOf = new Map<number, PoolSched>();
  private nowNsTotal = 0;
  private cpupoolVersionNow = 0;

  constructor(
    readonly pcpuCount: number,
    policy: SchedPolicy,
  ) {
    assert(pcpuCount >= 1 && pcpuCount <= PCPU_COUNT_MAX, `${pcpuCount} pCPUs: 1..${PCPU_COUNT_MAX}`);
    const pool0 = new PoolSched(CPUPOOL_ID_POOL0, policy.name, policy);
    pool0.setCpus(
      Array.from({ length: pcpuCount }, (_, pcpu) => pcpu),
      0,
    );
    this.pools.set(CPUPOOL_ID_POOL0, pool0);
  }

  /** The scheduler the hypervisor booted with (Pool-0's): `xl info` xen_scheduler. */
  get name(): SchedulerName {
    return this.pool(CPUPOOL_ID_POOL0).schedulerName;
  }

  /** Pool-0's policy. */
  get policy(): SchedPolicy {
    return this.pool(CPUPOOL_ID_POOL0).policy;
  }

  /**
   * Grows with every change of what cpupools() returns (a pool created or destroyed, a pCPU moved, a
   * domain added, removed or moved between pools): equal versions, equal cpupools().
   */
  get cpupoolVersion(): number {
    return this.cpupoolVersionNow;
  }

  /** The scheduler's own simulated time, from 0 at boot: the sum of every advance. */
  get nowNs(): number {
    return this.nowNsTotal;
  }

  addDomain(domid: number, setup: SchedDomainSetup): void {
    // Each message is built only on failure (a template argument is a new string per call).
    if (this.poolOf.has(domid)) assert(false, `domain ${domid} already scheduled`);
    const count = setup.vcpuCountMax;
    if (!(Number.isInteger(count) && count >= 1 && count <= VCPU_COUNT_PER_DOMAIN_MAX))
      assert(false, `${count} vCPUs`);
    const pool = this.pool(setup.poolId ?? CPUPOOL_ID_POOL0);
    const problem = this.domainParamsProblem(pool.poolId, setup.params, count);
    if (problem !== undefined) assert(false, `domain ${domid}: ${problem}`);
    this.requireCpus(pool, domid);
    const engine = pool.requireEngine();
    // Loops, not Array.from({ length }) and map: Array.from of an array-like takes V8's generic path,
    // some 0.6 µs for one vCPU.
    const vcpus: Vcpu[] = [];
    const pins: PoolDomain["pins"] = [];
    for (let vcpuId = 0; vcpuId < count; vcpuId++) {
      const demand = new VcpuDemand(setup.demand, setup.prng.fork(DEMAND_PRNG_STREAM_BASE + vcpuId));
      vcpus.push(new Vcpu(domid, vcpuId, CpuMask.all(engine.pcpuCount), demand));
      pins.push(undefined);
    }
    pool.add({ domid, vcpus, params: { ...setup.params }, pins });
    this.cpupoolVersionNow++;
    this.poolOf.set(domid, pool);
    engine.settle();
  }

  removeDomain(domid: number): void {
    const pool = this.poolOfDomain(domid);
    pool.remove(domid);
    this.cpupoolVersionNow++;
    pool.requireEngine().settle();
    this.poolOf.delete(domid);
  }

  hasDomain(domid: number): boolean {
    return this.poolOf.has(domid);
  }

  /** The pool the domain runs in. */
  domainPoolId(domid: number): number {
    return this.poolOfDomain(domid).poolId;
  }

  /** Paused, shut down or dying domains are not scheduled (their vCPUs go offline). */
  setDomainActive(domid: number, active: boolean): void {
    this.forEachVcpu(domid, (vcpu, engine) => {
      if (vcpu.domainActive === active) return;
      vcpu.domainActive = active;
      engine.refresh(vcpu, "wake");
    });
  }

  /** vcpu-set: vCPUs 0..count-1 online, the rest offline (the highest go first). */
  setVcpusOnline(domid: number, count: number): void {
    const domain = this.require(domid);
    if (!(count >= 1 && count <= domain.vcpus.length))
      throw new Error(`assertion failed: ${count} vCPUs online`);
    this.forEachVcpu(domid, (vcpu, engine) => {
      const online = vcpu.vcpuId < count;
      if (vcpu.online === online) return;
      vcpu.online = online;
      engine.refresh(vcpu, "wake");
    });
  }

  /** Auto-converge: every vCPU of the domain sleeps this fraction of the time it would run. */
  setThrottle(domid: number, fraction: number): void {
    if (!(fraction >= 0 && fraction <= THROTTLE_FRACTION_MAX))
      throw new Error(`assertion failed: throttle ${fraction}`);
    this.forEachVcpu(domid, (vcpu, engine) => {
      if (vcpu.demand.throttleFraction === fraction) return;
      if (engine.isCurrent(vcpu)) engine.accrue(vcpu);
      vcpu.demand.throttleFraction = fraction;
      engine.rearmStop(vcpu);
    });
  }

  setDemand(domid: number, shape: DemandShape): void {
    this.forEachVcpu(domid, (vcpu, engine) => {
      if (engine.isCurrent(vcpu)) engine.accrue(vcpu);
      vcpu.demand.setShape(shape);
      engine.rearmStop(vcpu);
    });
  }

  domainParams(domid: number): SchedDomainParams {
    return { ...this.require(domid).params };
  }

  /** Why these parameters are refused under the pool's scheduler, or undefined. */
  domainParamsProblem(poolId: number, params: SchedDomainParams, vcpuCountMax: number): string | undefined {
    return this.pool(poolId).policy.domainParamsProblem(params, vcpuCountMax);
  }

  /** XEN_DOMCTL_SCHEDOP_putinfo: refuses out-of-range values whole. */
  setDomainParams(domid: number, params: Partial<SchedDomainParams>): void {
    const pool = this.poolOfDomain(domid);
    const domain = this.require(domid);
    const merged = { ...domain.params, ...params };
    const problem = pool.policy.domainParamsProblem(merged, domain.vcpus.length);
    if (problem !== undefined) throw new XenError("EINVAL", `domain ${domid}: ${problem}`);
    domain.params = merged;
    const engine = pool.requireEngine();
    pool.policy.setDomainParams(domid, { ...merged }, engine.nowNs);
    engine.settle();
  }

  /** vcpu-pin: the hard affinity (host pCPUs) of one vCPU, or of all of them. */
  pin(domid: number, vcpuId: number | "all", pcpus: readonly number[]): void {
    const pool = this.poolOfDomain(domid);
    const domain = this.require(domid);
    this.checkPins(domid, pcpus);
    if (vcpuId !== "all" && !(Number.isInteger(vcpuId) && vcpuId >= 0 && vcpuId < domain.vcpus.length)) {
      throw new XenError("EINVAL", `domain ${domid} has vCPUs 0..${domain.vcpus.length - 1}, not ${vcpuId}`);
    }
    if (!pcpus.some((pcpu) => pool.cpus.includes(pcpu))) {
      throw new XenError(
        "EINVAL",
        `domain ${domid}: none of pCPUs ${CpuMask.of(this.pcpuCount, pcpus).format()} is in its cpupool (${formatCpus(pool.cpus)})`,
      );
    }
    const pins = pcpus.length === this.pcpuCount ? undefined : [...pcpus];
    const engine = pool.requireEngine();
    for (const vcpu of domain.vcpus) {
      if (vcpuId !== "all" && vcpu.vcpuId !== vcpuId) continue;
      domain.pins[vcpu.vcpuId] = pins;
      this.repin(engine, vcpu, pool.localMask(pins));
    }
    engine.settle();
  }

  /** The vCPUs as `xl vcpu-list` shows them: host pCPU numbers and host-wide affinity masks. */
  vcpuInfos(domid: number): VcpuInfo[] {
    const pool = this.poolOfDomain(domid);
    const domain = this.require(domid);
    return domain.vcpus.map((vcpu) => {
      const info = vcpuInfoOf(vcpu);
      const pins = domain.pins[vcpu.vcpuId];
      const hard = pins === undefined ? CpuMask.all(this.pcpuCount) : CpuMask.of(this.pcpuCount, pins);
      return {
        ...info,
        pcpu: pool.hostPcpu(vcpu.pcpu),
        hardAffinity: hard.list(),
        hardAffinityText: hard.format(),
      };
    });
  }

  /** Pool-0's parameters, or the named pool's. */
  poolParams(poolId = CPUPOOL_ID_POOL0): SchedPoolParams {
    return this.pool(poolId).poolParams();
  }

  setPoolParams(params: Partial<SchedPoolParams>, poolId = CPUPOOL_ID_POOL0): void {
    const pool = this.pool(poolId);
    const problem = pool.policy.poolParamsProblem(params);
    if (problem !== undefined) throw new XenError("EINVAL", `scheduler ${pool.schedulerName}: ${problem}`);
    pool.policy.setPoolParams(params);
  }

  advance(elapsedNs: number): void {
    // The message is built only on failure: this runs on every host tick.
    if (!(Number.isInteger(elapsedNs) && elapsedNs >= 0)) assert(false, `advance by ${elapsedNs} ns`);
    this.nowNsTotal += elapsedNs;
    this.poolsInOrder ??= [...this.pools.values()];
    const pools = this.poolsInOrder;
    for (let index = 0; index < pools.length; index++) {
      const engine = pools[index]!.engine;
      engine?.advance(this.nowNsTotal - engine.nowNs);
    }
  }

  /** CPU time of all the domain's vCPUs, accounted up to now. */
  domainCpuTimeNs(domid: number): number {
    let totalNs = 0;
    for (const vcpu of this.require(domid).vcpus) totalNs += vcpu.cpuTimeNs;
    return totalNs;
  }

  /** The domain's vCPUs as its pool's engine holds them (pCPU numbers inside the pool). */
  vcpus(domid: number): readonly Vcpu[] {
    return this.require(domid).vcpus;
  }

  domids(): number[] {
    return [...this.poolOf.keys()].sort((a, b) => a - b);
  }

  // ---- CPU pools (XEN_SYSCTL_cpupool_op) ----

  /** XEN_SYSCTL_CPUPOOL_OP_INFO for every pool, by id. */
  cpupools(): CpupoolInfo[] {
    return [...this.pools.values()]
      .sort((a, b) => a.poolId - b.poolId)
      .map((pool) => ({
        poolId: pool.poolId,
        scheduler: pool.schedulerName,
        cpus: pool.cpus,
        domainCount: pool.domains.size,
      }));
  }

  hasCpupool(poolId: number): boolean {
    return this.pools.has(poolId);
  }

  /** The pCPUs in no pool (XEN_SYSCTL_CPUPOOL_OP_FREEINFO), ascending. */
  freeCpus(): number[] {
    const used = new Set<number>();
    for (const pool of this.pools.values()) for (const pcpu of pool.cpus) used.add(pcpu);
    return Array.from({ length: this.pcpuCount }, (_, pcpu) => pcpu).filter((pcpu) => !used.has(pcpu));
  }

  /** XEN_SYSCTL_CPUPOOL_OP_CREATE: an empty pool running `scheduler`; the next id after the highest. */
  createCpupool(scheduler: SchedulerName): number {
    if (this.pools.size >= CPUPOOL_COUNT_MAX)
      throw new XenError("ENOSPC", `the host already has ${CPUPOOL_COUNT_MAX} cpupools`);
    const poolId = Math.max(...this.pools.keys()) + 1;
    this.pools.set(poolId, new PoolSched(poolId, scheduler));
    this.poolsInOrder = undefined;
    this.cpupoolVersionNow++;
    return poolId;
  }

  /** XEN_SYSCTL_CPUPOOL_OP_DESTROY: only an empty pool other than Pool-0; its pCPUs become free. */
  destroyCpupool(poolId: number): void {
    const pool = this.pool(poolId);
    if (poolId === CPUPOOL_ID_POOL0) throw new XenError("EPERM", "Pool-0 cannot be destroyed");
    if (pool.domains.size > 0)
      throw new XenError("EBUSY", `cpupool ${poolId} still has ${pool.domains.size} domain(s)`);
    this.pools.delete(poolId);
    this.poolsInOrder = undefined;
    this.cpupoolVersionNow++;
  }

  /** XEN_SYSCTL_CPUPOOL_OP_ADDCPU: a free pCPU joins the pool. */
  assignCpu(poolId: number, pcpu: number): void {
    const pool = this.pool(poolId);
    this.checkPins(-1, [pcpu]);
    const owner = this.poolOfCpu(pcpu);
    if (owner !== undefined)
      throw new XenError("EBUSY", `pCPU ${pcpu} is in cpupool ${owner.poolId}, not free`);
    this.reshape(pool, [...pool.cpus, pcpu]);
  }

  /** XEN_SYSCTL_CPUPOOL_OP_RMCPU: the pCPU leaves the pool, unless that leaves its domains none. */
  unassignCpu(poolId: number, pcpu: number): void {
    const pool = this.pool(poolId);
    if (!pool.cpus.includes(pcpu)) throw new XenError("EINVAL", `pCPU ${pcpu} is not in cpupool ${poolId}`);
    if (pool.cpus.length === 1 && pool.domains.size > 0) {
      throw new XenError(
        "EBUSY",
        `pCPU ${pcpu} is the last of cpupool ${poolId}, which has ${pool.domains.size} domain(s)`,
      );
    }
    this.reshape(
      pool,
      pool.cpus.filter((p) => p !== pcpu),
    );
  }

  /** XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN: the domain's vCPUs leave their pool for this one, unpinned. */
  moveDomain(domid: number, poolId: number): void {
    const from = this.poolOfDomain(domid);
    const to = this.pool(poolId);
    if (from === to) return;
    this.requireCpus(to, domid);
    const domain = this.require(domid);
    const problem = to.policy.domainParamsProblem(domain.params, domain.vcpus.length);
    if (problem !== undefined) throw new XenError("EINVAL", `domain ${domid}: ${problem}`);
    from.remove(domid);
    this.cpupoolVersionNow++;
    from.requireEngine().settle();
    domain.pins.fill(undefined); // sched_move_domain resets hard and soft affinity to all
    to.add(domain);
    to.requireEngine().settle();
    this.poolOf.set(domid, to);
  }

  assertConsistent(): void {
    for (const pool of this.pools.values()) {
      const engine = pool.engine;
      if (engine === undefined) continue;
      engine.assertConsistent();
      let queued = 0;
      for (const domain of pool.domains.values()) {
        for (const vcpu of domain.vcpus) if (vcpu.inPolicy && !engine.isCurrent(vcpu)) queued++;
      }
      assert(
        queued === pool.policy.queuedCount(),
        `${queued} vCPUs waiting, policy queues hold another count`,
      );
    }
  }

  private reshape(pool: PoolSched, cpus: readonly number[]): void {
    this.cpupoolVersionNow++; // before: setCpus may throw half-way
    pool.setCpus(cpus, this.nowNsTotal);
    pool.engine?.settle();
  }

  private poolOfCpu(pcpu: number): PoolSched | undefined {
    for (const pool of this.pools.values()) if (pool.cpus.includes(pcpu)) return pool;
    return undefined;
  }

  private requireCpus(pool: PoolSched, domid: number): void {
    if (pool.cpus.length === 0)
      throw new XenError("EINVAL", `domain ${domid}: cpupool ${pool.poolId} has no pCPU to run it on`);
  }

  private pool(poolId: number): PoolSched {
    const pool = this.pools.get(poolId);
    if (pool === undefined) throw new XenError("ESRCH", `no cpupool with id ${poolId}`);
    return pool;
  }

  private poolOfDomain(domid: number): PoolSched {
    const pool = this.poolOf.get(domid);
    if (pool === undefined) throw new Error(`assertion failed: domain ${domid} is not scheduled`);
    return pool;
  }

  private repin(engine: SchedEngine, vcpu: Vcpu, mask: CpuMask): void {
    vcpu.hardAffinity = mask;
    if (mask.has(vcpu.pcpu)) return;
    if (engine.isCurrent(vcpu)) {
      if (!vcpu.inPolicy) return; // leaving anyway; deschedule moves it
      vcpu.inPolicy = false;
      vcpu.migratePending = true;
      engine.tickle(vcpu.pcpu);
    } else if (vcpu.inPolicy) {
      engine.policy.sleep(vcpu);
      vcpu.inPolicy = false;
      vcpu.pcpu = engine.placement(vcpu);
      engine.refresh(vcpu, "migrate");
    } else {
      vcpu.pcpu = engine.placement(vcpu);
    }
  }

  /** Host pCPU numbers that must exist, and at least one of them (`domid` -1: no domain). */
  private checkPins(domid: number, pcpus: readonly number[]): void {
    const what = domid < 0 ? "cpupool" : `domain ${domid}`;
    const outside = pcpus.find((pcpu) => !(Number.isInteger(pcpu) && pcpu >= 0 && pcpu < this.pcpuCount));
    if (outside !== undefined) {
      throw new XenError("EINVAL", `${what}: pCPU ${outside} does not exist (0..${this.pcpuCount - 1})`);
    }
    if (pcpus.length === 0) throw new XenError("EINVAL", `${what}: an empty hard affinity`);
  }

  private forEachVcpu(domid: number, fn: (vcpu: Vcpu, engine: SchedEngine) => void): void {
    const engine = this.poolOfDomain(domid).requireEngine();
    for (const vcpu of this.require(domid).vcpus) fn(vcpu, engine);
    engine.settle();
  }

  private require(domid: number): PoolDomain {
    const domain = this.poolOfDomain(domid).domains.get(domid);
    if (domain === undefined) throw new Error(`assertion failed: domain ${domid} is not scheduled`);
    return domain;
  }
}

/** A pCPU list as xl prints a cpumap: ranges such as "0-3,5"; "none" when empty. */
export function formatCpus(pcpus: readonly number[]): string {
  if (pcpus.length === 0) return "none";
  const parts: string[] = [];
  const sorted = [...pcpus].sort((a, b) => a - b);
  let start = sorted[0]!;
  for (let i = 1; i <= sorted.length; i++) {
    const pcpu = sorted[i];
    if (pcpu === sorted[i - 1]! + 1) continue;
    const end = sorted[i - 1]!;
    parts.push(start === end ? `${start}` : `${start}-${end}`);
    if (pcpu !== undefined) start = pcpu;
  }
  return parts.join(",");
}
