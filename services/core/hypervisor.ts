import type { Clock } from "./clock.js";
import type { Prng } from "./prng.js";
import { Domain, type DomainCreateSpec, type SchedChangeCount } from "./domain.js";
import { DomidAllocator } from "./domid-allocator.js";
import { XenError, assert } from "./errors.js";
import { FrameAllocator } from "./frames.js";
import { type NumaNode, hostNumaLayout, numaUsedKib } from "./numa.js";
import { numaPlace } from "./numa-placement.js";
import type { Dom0Spec, HostSpec } from "./host-spec.js";
import { ShutdownReason } from "./domain-state.js";
import { DOMID_DOM0, DOMID_MAX, MIB, PAGE_SIZE_BYTES, kibToPages, mibToKib } from "./units.js";
import { type CpuShare, CpuShares } from "./cpu-share.js";
import { DomainIoTables } from "./io/io-tables.js";
import {
  HostScheduler,
  VCPU_COUNT_PER_DOMAIN_MAX,
  type SchedDomainParams,
  type SchedPoolParams,
  type SchedulerName,
  type VcpuInfo,
  createSchedPolicy,
  RTDS_VCPU_PARAMS_DEFAULT,
  type RtdsVcpuParams,
  parseCpuDemandSpec,
  CPUPOOL_ID_POOL0,
} from "./sched/index.js";
import { demandShape } from "./sched/demand/index.js";

/** Longest stretch of time one tick accounts for; a longer gap (a stalled process) is clipped. */
export const TICK_ELAPSED_MS_MAX = 1000;
/** A domain whose vCPUs got more than this share of one pCPU in a tick shows as running (r). */
const RUNNING_CPU_FRACTION_MIN = 0.05;
const NS_PER_MS = 1_000_000;

/** The tick's view of a host's domains while none comes or goes and none changes (Hypervisor.tick). */
interface TickPlan {
  domains: readonly Domain[];
  schedChangeCount: number;
  /** Positions of the runnable domains whose workload writes memory. */
  writers: number[];
  /** The first ranLastTickCount: positions of the domains whose ranLastTick may be true. */
  ranLastTick: number[];
  ranLastTickCount: number;
  /** Scratch marks by position: the domains this tick visits (all 0 between ticks). */
  visit: Uint8Array;
  /** A runnable domain (Dom0 included) has a workload that writes or vCPUs that want CPU. */
  hasWork: boolean;
}

function tickPlanOf(domains: readonly Domain[], schedChangeCount: number): TickPlan {
  const writers: number[] = [];
  let hasWork = false;
  domains.forEach((domain, index) => {
    if (!domain.isRunnable) return;
    if (domain.workloadWrites) writers.push(index);
    if (domain.workload.spec.kind !== "idle" || domain.cpuDemand.kind !== "idle") hasWork = true;
  });
  return {
    domains,
    schedChangeCount,
    writers,
    ranLastTick: [],
    ranLastTickCount: 0,
    visit: new Uint8Array(domains.length),
    hasWork,
  };
}

/**
 * The vCPU scheduler a host runs unless told otherwise: credit2, as Xen since 4.12
 * (xen/common/sched/Kconfig SCHED_CREDIT2_DEFAULT; xl(1)'s "by default credit is used" is stale).
 * Kept because `xl info` on a stock Xen says credit2, and because credit2 keeps weights per runqueue
 * while credit1 hands out credit for the whole pool, so vCPUs pinned together on one of several pCPUs
 * share it by weight under credit2 but 1:1 under credit1. `credit` stays selectable per host.
 */
export const SCHEDULER_DEFAULT: SchedulerName = "credit2";

export interface HypervisorOptions {
  scheduler?: SchedulerName;
}

export type DomainShutdownListener = (domain: Domain) => void;
/** Runs after each tick with the CPU each domain got in it, by domid (the split-driver backends' cue). */
export type TickListener = (elapsedNs: number, shares: ReadonlyMap<number, CpuShare>) => void;

/**
 * The hypervisor core of one host (≈ xen/): physical CPUs and frames, domains, their memory and CPU
 * time. No I/O and no clock of its own: time comes from the injected Clock, randomness from the Prng.
 */
export class Hypervisor {
  readonly frames: FrameAllocator;
  private readonly domainsById = new Map<number, Domain>();
  private readonly domids = new DomidAllocator();
  private readonly shutdownListeners: DomainShutdownListener[] = [];
  private readonly tickListeners: TickListener[] = [];
  private domainsOrdered: readonly Domain[] | undefined;
  /** Counts every change of what the scheduler is told about any domain here (Domain.schedChanged). */
  private readonly schedChanges: SchedChangeCount = { count: 0 };
  /** The tick's view of the domains, kept while none comes or goes and none changes (TickPlan). */
  private tickPlan: TickPlan | undefined;
  /** Grant tables and event channels of the domains (≈ xen/common/grant_table.c, event_channel.c). */
  readonly io = new DomainIoTables();
  private lastTickMs: number;
  /** vCPU scheduling of this host's pCPUs (≈ xen/common/sched/). */
  readonly scheduler: HostScheduler;
  private readonly cpuShares: CpuShares;
  /** The host's NUMA nodes: their pCPUs and memory (one node unless spec.numaNodeCount says more). */
  readonly numa: readonly NumaNode[];

  constructor(
    readonly spec: HostSpec,
    readonly clock: Clock,
    readonly prng: Prng,
    options: HypervisorOptions = {},
  ) {
    assert(spec.pcpuCount >= 1, "a host needs at least one pCPU");
    this.frames = new FrameAllocator((spec.memoryMib * MIB) / PAGE_SIZE_BYTES);
    this.lastTickMs = clock.nowMs();
    const policy = createSchedPolicy(options.scheduler ?? SCHEDULER_DEFAULT);
    this.scheduler = new HostScheduler(spec.pcpuCount, policy);
    this.cpuShares = new CpuShares(this.scheduler, this.schedChanges);
    this.numa = hostNumaLayout(spec);
  }

  /** Each node's used memory now (core/numa.ts numaUsedKib), leaving out `exceptDomid` if given. */
  numaUsedKib(exceptDomid?: number): number[] {
    const domains = this.orderedDomains().filter((d) => d.domid !== exceptDomid);
    const usedKib = ((this.frames.frameCountTotal - this.frames.frameCountFreeNow) * PAGE_SIZE_BYTES) / 1024;
    const domainKib = this.orderedDomains().reduce((sum, d) => sum + d.memoryKib, 0);
    const placed = domains.map((d) => ({ domid: d.domid, memoryKib: d.memoryKib, nodes: d.numaNodes }));
    return numaUsedKib(this.numa, placed, Math.max(0, usedKib - domainKib));
  }

  /**
   * libxl's automatic NUMA placement for a built domain (core/numa-placement.ts): its node
   * affinity becomes the fewest nodes that hold its memory and vCPUs; unchanged when none fit or
   * the host has one node. Returns the nodes chosen.
   */
  placeOnNuma(domid: number, allowedPcpus: readonly number[]): readonly number[] {
    const domain = this.requireDomain(domid);
    if (this.numa.length === 1) return domain.numaNodes;
    const usedKib = this.numaUsedKib(domid);
    const vcpusByNode = this.numa.map(() => 0);
    for (const other of this.orderedDomains())
      if (other.domid !== domid) for (const node of other.numaNodes) vcpusByNode[node]! += other.maxvcpus;
    const nodes = numaPlace({
      layout: this.numa,
      freeKibByNode: this.numa.map((node, index) => node.memoryMib * 1024 - usedKib[index]!),
      vcpusByNode,
      memoryKib: domain.memoryKib,
      vcpuCount: domain.maxvcpus,
      allowedPcpus,
    });
    if (nodes !== undefined) domain.numaNodes = nodes;
    return domain.numaNodes;
  }

  /** `xl info` xen_scheduler. */
  get schedulerName(): SchedulerName {
    return this.scheduler.name;
  }

  get dom0Running(): boolean {
    return this.domainsById.has(DOMID_DOM0);
  }

  /** Boot: the hypervisor builds Dom0 first; no DomU is accepted before it runs. */
  bootDom0(dom0: Dom0Spec, uuid: string): Domain {
    assert(!this.dom0Running, "Dom0 is already running");
    if (dom0.vcpus > this.spec.pcpuCount) {
      throw new XenError(
        "EINVAL",
        `Dom0 asks for ${dom0.vcpus} vCPUs but the host has ${this.spec.pcpuCount} pCPUs`,
      );
    }
    const memoryKib = mibToKib(dom0.memoryMib);
    const spec: DomainCreateSpec = {
      uuid,
      type: "pv",
      memoryKib,
      maxmemKib: memoryKib,
      vcpus: dom0.vcpus,
      maxvcpus: dom0.vcpus,
      weight: 256,
      cap: 0,
      workload: "idle",
    };
    return this.buildDomain(DOMID_DOM0, spec, "Dom0");
  }

  /** XEN_DOMCTL_createdomain + max_mem + populate_physmap: refuses whole, or builds whole. */
  createDomain(spec: DomainCreateSpec): Domain {
    if (!this.dom0Running)
      throw new XenError("EPERM", "Dom0 is not running: no DomU can be created before it");
    if (spec.type === "hvm" && !this.spec.hvmCapable) {
      throw new XenError(
        "EOPNOTSUPP",
        `host ${this.spec.hostId} has no hardware virtualisation support: HVM guests cannot run here`,
      );
    }
    if (spec.domid !== undefined) {
      if (spec.domid < 1 || spec.domid > DOMID_MAX)
        throw new XenError("EINVAL", `domid ${spec.domid} out of range 1..${DOMID_MAX}`);
      if (this.domainsById.has(spec.domid)) throw new XenError("EEXIST", `domid ${spec.domid} is in use`);
    }
    const domid = spec.domid ?? this.domids.allocate((d) => this.domainsById.has(d));
    if (spec.domid !== undefined) this.domids.skipPast(spec.domid);
    return this.buildDomain(domid, spec, `domain ${domid}`);
  }

  private buildDomain(domid: number, spec: DomainCreateSpec, what: string): Domain {
    assert(spec.maxmemKib >= spec.memoryKib, "maxmem below memory");
    assert(spec.maxvcpus >= spec.vcpus && spec.vcpus >= 1, "vcpus out of range");
    if (spec.maxvcpus > VCPU_COUNT_PER_DOMAIN_MAX) {
      throw new XenError("EINVAL", `${what}: ${spec.maxvcpus} vCPUs, at most ${VCPU_COUNT_PER_DOMAIN_MAX}`);
    }
    const params = { weight: spec.weight, cap: spec.cap };
    const poolId = spec.poolId ?? CPUPOOL_ID_POOL0;
    this.checkCpupoolTakes(poolId, what);
    const problem = this.scheduler.domainParamsProblem(poolId, params, spec.maxvcpus);
    if (problem !== undefined) throw new XenError("EINVAL", `${what}: ${problem}`);
    const pageCount = kibToPages(spec.memoryKib);
    this.frames.allocate(domid, pageCount, what);
    try {
      const domain = new Domain(domid, spec.uuid, spec.type, spec, this.prng.fork(domid), this.schedChanges);
      domain.paused = domid !== DOMID_DOM0; // a new DomU is paused until the toolstack unpauses it
      const demand = demandShape(domain.cpuDemand);
      const setup = { vcpuCountMax: spec.maxvcpus, params, demand, prng: domain.prng, poolId };
      this.scheduler.addDomain(domid, setup);
      this.domainsById.set(domid, domain);
      this.domainsOrdered = undefined;
      this.cpuShares.sync(domain);
      return domain;
    } catch (error) {
      if (this.scheduler.hasDomain(domid)) this.scheduler.removeDomain(domid);
      this.frames.releaseAll(domid);
      throw error;
    }
  }

  domain(domid: number): Domain | undefined {
    return this.domainsById.get(domid);
  }

  requireDomain(domid: number): Domain {
    const domain = this.domainsById.get(domid);
    if (!domain) throw new XenError("ESRCH", `no domain with id ${domid}`);
    return domain;
  }

  /** The domains in domid order (a copy the caller may keep). */
  domains(): Domain[] {
    return [...this.orderedDomains()];
  }

  /**
   * The domains in domid order, without a copy: the same array until a domain comes or goes (a
   * caller may compare it with the one it saw last). Do not keep it past that, nor change it.
   */
  get domainsInOrder(): readonly Domain[] {
    return this.orderedDomains();
  }

  /** The domains in domid order, kept until one comes or goes (every tick walks it). Do not change it. */
  private orderedDomains(): readonly Domain[] {
    this.domainsOrdered ??= [...this.domainsById.values()].sort((a, b) => a.domid - b.domid);
    return this.domainsOrdered;
  }

  get domainCount(): number {
    return this.domainsById.size;
  }

  /** XEN_DOMCTL_destroydomain: releases memory and the domid at once. */
  destroyDomain(domid: number): void {
    if (domid === DOMID_DOM0) throw new XenError("EPERM", "Dom0 cannot be destroyed");
    const domain = this.requireDomain(domid);
    domain.dying = true;
    domain.memory.release();
    this.frames.releaseAll(domid);
    this.scheduler.removeDomain(domid);
    this.cpuShares.forget(domid);
    this.io.release(domid);
    this.domainsById.delete(domid);
    this.domainsOrdered = undefined;
  }

  pauseDomain(domid: number): void {
    const domain = this.requireDomU(domid);
    domain.paused = true;
    this.cpuShares.sync(domain);
  }

  unpauseDomain(domid: number): void {
    const domain = this.requireDomU(domid);
    domain.paused = false;
    this.cpuShares.sync(domain);
  }

  /** SCHEDOP_shutdown from the guest (or a crash): the domain stops and the toolstack is told. */
  shutdownDomain(domid: number, reason: ShutdownReason): void {
    const domain = this.requireDomU(domid);
    if (domain.isShutdown) return;
    domain.shutdownReason = reason;
    domain.ranLastTick = false;
    this.cpuShares.sync(domain);
    for (const listener of this.shutdownListeners) listener(domain);
  }

  /**
   * XEN_DOMCTL_resumedomain after a cancelled suspend (`xl resume`): the domain that shut down with
   * reason suspend runs again; its guest sees the suspend hypercall return "cancelled".
   */
  resumeDomain(domid: number): void {
    const domain = this.requireDomU(domid);
    if (domain.shutdownReason !== ShutdownReason.Suspend)
      throw new Error(`assertion failed: resume of domain ${domid}, which is not suspended`);
    domain.shutdownReason = undefined;
    this.cpuShares.sync(domain);
  }

  onDomainShutdown(listener: DomainShutdownListener): void {
    this.shutdownListeners.push(listener);
  }

  onTick(listener: TickListener): void {
    this.tickListeners.push(listener);
  }

  /** XEN_DOMCTL_max_mem: the most the domain may hold; never below what it holds now. */
  setMaxMem(domid: number, maxmemKib: number): void {
    const domain = this.requireDomU(domid);
    if (maxmemKib < domain.memoryKib) {
      throw new XenError(
        "EINVAL",
        `maxmem ${maxmemKib} KiB is below the domain's current ${domain.memoryKib} KiB`,
      );
    }
    domain.maxmemKib = maxmemKib;
    domain.memory.setPageCountMax(kibToPages(maxmemKib));
  }

  /** The balloon driver's work: grow or shrink the domain's allocation to `memoryKib`. */
  setDomainMemory(domid: number, memoryKib: number): void {
    const domain = this.requireDomU(domid);
    if (memoryKib > domain.maxmemKib) {
      throw new XenError("EINVAL", `memory ${memoryKib} KiB exceeds maxmem ${domain.maxmemKib} KiB`);
    }
    const pageCountNew = kibToPages(memoryKib);
    const pageCountOld = domain.memory.pageCount;
    if (pageCountNew > pageCountOld)
      this.frames.allocate(domid, pageCountNew - pageCountOld, `ballooning domain ${domid} up`);
    if (pageCountNew < pageCountOld) this.frames.release(domid, pageCountOld - pageCountNew);
    domain.memory.setPageCount(pageCountNew);
  }

  setVcpusOnline(domid: number, vcpus: number): void {
    const domain = this.requireDomain(domid);
    if (vcpus < 1 || vcpus > domain.maxvcpus) {
      throw new XenError(
        "EINVAL",
        `domain ${domid} can have 1..${domain.maxvcpus} vCPUs online (maxvcpus), not ${vcpus}`,
      );
    }
    domain.vcpusOnline = vcpus;
    this.cpuShares.sync(domain);
  }

  schedParams(domid: number): SchedDomainParams {
    this.requireDomain(domid);
    return this.scheduler.domainParams(domid);
  }

  /** XEN_DOMCTL_SCHEDOP_putinfo (xl sched-credit / sched-credit2 -d -w -c): refuses whole. */
  setSchedParams(domid: number, params: Partial<SchedDomainParams>): void {
    const domain = this.requireDomain(domid);
    this.cpuShares.sync(domain);
    this.scheduler.setDomainParams(domid, params);
    const applied = this.scheduler.domainParams(domid);
    domain.weight = applied.weight;
    domain.cap = applied.cap;
  }

  /** XEN_DOMCTL_SCHEDOP_getvcpuinfo under RTDS: every vCPU's period, budget and extratime. */
  rtdsVcpuParams(domid: number): RtdsVcpuParams[] {
    this.requireDomain(domid);
    const rtds = this.scheduler.domainParams(domid).rtds ?? [];
    return this.scheduler.vcpus(domid).map((vcpu) => rtds[vcpu.vcpuId] ?? RTDS_VCPU_PARAMS_DEFAULT);
  }

  /** XEN_DOMCTL_SCHEDOP_putvcpuinfo under RTDS: the given vCPUs' parameters, refused whole. */
  setRtdsVcpuParams(domid: number, changes: ReadonlyMap<number, RtdsVcpuParams>): void {
    const rtds = this.rtdsVcpuParams(domid);
    for (const [vcpuId, params] of changes) {
      assert(vcpuId >= 0 && vcpuId < rtds.length, `domain ${domid} has no vCPU ${vcpuId}`);
      rtds[vcpuId] = { ...params };
    }
    this.setSchedParams(domid, { rtds });
  }

  /** XEN_DOMCTL_setvcpuaffinity (xl vcpu-pin): hard affinity of one vCPU or of all of them. */
  vcpuPin(domid: number, vcpu: number | "all", hardAffinity: readonly number[]): void {
    this.requireDomain(domid);
    this.scheduler.pin(domid, vcpu, hardAffinity);
  }

  /** XEN_DOMCTL_getvcpuinfo for every vCPU up to maxvcpus (xl vcpu-list). */
  vcpuInfo(domid: number): VcpuInfo[] {
    this.requireDomain(domid);
    return this.scheduler.vcpuInfos(domid);
  }

  /** XEN_SYSCTL_SCHEDOP_getinfo of a pool, Pool-0 by default (xl sched-credit -s [-p]). */
  schedPoolParams(poolId = CPUPOOL_ID_POOL0): SchedPoolParams {
    return this.scheduler.poolParams(poolId);
  }

  /** XEN_SYSCTL_SCHEDOP_putinfo (xl sched-credit -s -t -r, sched-credit2 -s -r): refuses whole. */
  setSchedPoolParams(params: Partial<SchedPoolParams>, poolId = CPUPOOL_ID_POOL0): void {
    this.scheduler.setPoolParams(params, poolId);
  }

  /** XEN_SYSCTL_cpupool_op: the host's CPU pools (cpupool.ts). */
  get cpupools(): HostScheduler {
    return this.scheduler;
  }

  /** The pool a domain runs in. */
  domainCpupool(domid: number): number {
    this.requireDomain(domid);
    return this.scheduler.domainPoolId(domid);
  }

  /** XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN; the domain's CPU accounting carries on in the new pool. */
  moveDomainToCpupool(domid: number, poolId: number): void {
    const domain = this.requireDomain(domid);
    this.cpuShares.sync(domain);
    this.scheduler.moveDomain(domid, poolId);
  }

  private checkCpupoolTakes(poolId: number, what: string): void {
    if (!this.scheduler.hasCpupool(poolId))
      throw new XenError("ESRCH", `${what}: no cpupool with id ${poolId}`);
    const pool = this.scheduler.cpupools().find((p) => p.poolId === poolId)!;
    if (pool.cpus.length === 0)
      throw new XenError("EINVAL", `${what}: cpupool ${poolId} has no pCPU to run it on`);
  }

  /** What the guest's vCPUs ask of the CPU (xensim): throws CpuDemandSpecError on a bad spec. */
  setCpuDemand(domid: number, specText: string): void {
    const domain = this.requireDomain(domid);
    domain.cpuDemandSet = parseCpuDemandSpec(specText);
    this.cpuShares.sync(domain);
  }

  /**
   * Whether a tick would run anything: a runnable domain (Dom0 included) whose workload writes memory
   * or whose vCPUs want CPU. A host without work need not tick (issue 10: idle hosts cost nothing).
   */
  get hasWork(): boolean {
    return this.currentTickPlan().hasWork;
  }

  /** The instant up to which CPU time is accounted: the last tick, or the end of a skipped idle stretch. */
  get accountedUntilMs(): number {
    return this.lastTickMs;
  }

  /**
   * The time since the last tick was idle (no work, so a tick would have run nothing): account none
   * of it, so the next tick covers only what follows. Called when work arrives at an idle host.
   */
  skipIdleTime(): void {
    this.lastTickMs = this.clock.nowMs();
  }

  /**
   * Runs the host for the time since the last tick: the vCPU scheduler shares out the pCPUs, CPU time
   * accrues, and each guest writes memory in proportion to the CPU it got against the CPU it wanted
   * (SimGrid's model: a guest that got half the CPU it wanted dirties half the pages).
   */
  tick(): void {
    const nowMs = this.clock.nowMs();
    const elapsedMs = Math.min(Math.max(0, nowMs - this.lastTickMs), TICK_ELAPSED_MS_MAX);
    this.lastTickMs = nowMs;
    const elapsedNs = Math.round(elapsedMs * NS_PER_MS);
    if (elapsedNs === 0) return;
    const domains = this.orderedDomains();
    const shares = this.cpuShares.run(domains, elapsedNs);
    const sharesInOrder = this.cpuShares.sharesInOrder();
    // Only the domains a tick can change are visited, in domid order: those that got CPU, write
    // memory or ran last tick. Any other got 0 ns, writes nothing and stays not running.
    const plan = this.currentTickPlan();
    const visit = plan.visit;
    const writers = plan.writers;
    for (let i = 0; i < writers.length; i++) visit[writers[i]!] = 1;
    const gotCpu = this.cpuShares.gotCpuShares();
    for (let i = this.cpuShares.gotCpuCountOfRun() - 1; i >= 0; i--) visit[gotCpu[i]!.index] = 1;
    const ran = plan.ranLastTick;
    for (let i = 0; i < plan.ranLastTickCount; i++) visit[ran[i]!] = 1;
    let ranCount = 0;
    for (let index = 0; index < domains.length; index++) {
      if (visit[index] === 0) continue;
      visit[index] = 0;
      const domain = domains[index]!;
      const share = sharesInOrder[index]!;
      domain.cpuTimeNs += share.cpuNs;
      if (!domain.isRunnable) continue;
      const workMs = share.wantedNs > 0 ? (elapsedMs * share.cpuNs) / share.wantedNs : 0;
      // An idle workload writes nothing: no call for most of a host's domains on every tick.
      const pageCountWritten = domain.workloadWrites
        ? domain.workload.run(domain.memory, workMs, domain.prng)
        : 0;
      domain.ranLastTick = pageCountWritten > 0 || share.cpuNs > elapsedNs * RUNNING_CPU_FRACTION_MIN;
      if (domain.ranLastTick) ran[ranCount++] = index;
    }
    plan.ranLastTickCount = ranCount;
    const listeners = this.tickListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(elapsedNs, shares);
  }

  /**
   * What a tick needs to know of the domains that seldom changes, worked out again when a domain
   * comes or goes or any changes what the scheduler is told (which covers runnable, workload and
   * demand: Domain.schedChanged).
   */
  private currentTickPlan(): TickPlan {
    const domains = this.orderedDomains();
    const plan = this.tickPlan;
    if (plan !== undefined && plan.domains === domains && plan.schedChangeCount === this.schedChanges.count)
      return plan;
    const next = tickPlanOf(domains, this.schedChanges.count);
    // Positions of domains that showed as running: kept when the domains are the same, else looked up.
    if (plan !== undefined && plan.domains === domains) {
      next.ranLastTick.push(...plan.ranLastTick.slice(0, plan.ranLastTickCount));
    } else {
      domains.forEach((domain, index) => domain.ranLastTick && next.ranLastTick.push(index));
    }
    next.ranLastTickCount = next.ranLastTick.length;
    this.tickPlan = next;
    return next;
  }

  private requireDomU(domid: number): Domain {
    if (domid === DOMID_DOM0) throw new XenError("EPERM", "not permitted on Dom0");
    return this.requireDomain(domid);
  }
}
