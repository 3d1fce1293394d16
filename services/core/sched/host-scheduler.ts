import { XenError, assert } from "../errors.js";
import type { Prng } from "../prng.js";
import { CpuMask, PCPU_COUNT_MAX } from "./cpu-mask.js";
import { type DemandShape, THROTTLE_FRACTION_MAX, VcpuDemand } from "./demand/index.js";
import { SchedEngine } from "./engine.js";
import type { SchedDomainParams, SchedPolicy, SchedPoolParams, SchedulerName } from "./policy.js";
import { Vcpu } from "./vcpu.js";

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
}

interface SchedDomain {
  readonly vcpus: readonly Vcpu[];
  params: SchedDomainParams;
}

/**
 * vCPU scheduling of one host: the domains' vCPUs, the policy (credit or credit2) and the engine that
 * runs them over simulated time. Bad requests throw XenError and change nothing.
 */
export class HostScheduler {
  private readonly engine: SchedEngine;
  private readonly domains = new Map<number, SchedDomain>();
  private placementNext = 0;

  constructor(
    readonly pcpuCount: number,
    readonly policy: SchedPolicy,
  ) {
    assert(pcpuCount >= 1 && pcpuCount <= PCPU_COUNT_MAX, `${pcpuCount} pCPUs: 1..${PCPU_COUNT_MAX}`);
    this.engine = new SchedEngine(pcpuCount, policy);
  }

  get name(): SchedulerName {
    return this.policy.name;
  }

  /** The scheduler's own simulated time, from 0 at boot: the sum of every advance. */
  get nowNs(): number {
    return this.engine.nowNs;
  }

  addDomain(domid: number, setup: SchedDomainSetup): void {
    assert(!this.domains.has(domid), `domain ${domid} already scheduled`);
    const count = setup.vcpuCountMax;
    assert(Number.isInteger(count) && count >= 1 && count <= VCPU_COUNT_PER_DOMAIN_MAX, `${count} vCPUs`);
    const problem = this.policy.domainParamsProblem(setup.params, count);
    assert(problem === undefined, `domain ${domid}: ${problem}`);
    this.policy.addDomain(domid, { ...setup.params });
    const all = CpuMask.all(this.pcpuCount);
    const vcpus = Array.from({ length: count }, (_, vcpuId) => {
      const demand = new VcpuDemand(setup.demand, setup.prng.fork(DEMAND_PRNG_STREAM_BASE + vcpuId));
      const vcpu = new Vcpu(domid, vcpuId, all, demand);
      // Spread new vCPUs over the pCPUs, as sched_select_initial_cpu cycles a domain's vCPUs and
      // csched_res_pick spreads units: not all queued behind one pCPU when the domains start.
      vcpu.pcpu = this.placementNext++ % this.pcpuCount;
      return vcpu;
    });
    this.domains.set(domid, { vcpus, params: { ...setup.params } });
    for (const vcpu of vcpus) this.engine.addVcpu(vcpu);
  }

  removeDomain(domid: number): void {
    const domain = this.require(domid);
    for (const vcpu of domain.vcpus) this.engine.removeVcpu(vcpu);
    this.policy.removeDomain(domid);
    this.domains.delete(domid);
  }

  hasDomain(domid: number): boolean {
    return this.domains.has(domid);
  }

  /** Paused, shut down or dying domains are not scheduled (their vCPUs go offline). */
  setDomainActive(domid: number, active: boolean): void {
    this.forEachVcpu(domid, (vcpu) => {
      if (vcpu.domainActive === active) return;
      vcpu.domainActive = active;
      this.engine.refresh(vcpu, "wake");
    });
  }

  /** vcpu-set: vCPUs 0..count-1 online, the rest offline (the highest go first). */
  setVcpusOnline(domid: number, count: number): void {
    const domain = this.require(domid);
    if (!(count >= 1 && count <= domain.vcpus.length))
      throw new Error(`assertion failed: ${count} vCPUs online`);
    this.forEachVcpu(domid, (vcpu) => {
      const online = vcpu.vcpuId < count;
      if (vcpu.online === online) return;
      vcpu.online = online;
      this.engine.refresh(vcpu, "wake");
    });
  }

  /** Auto-converge: every vCPU of the domain sleeps this fraction of the time it would run. */
  setThrottle(domid: number, fraction: number): void {
    if (!(fraction >= 0 && fraction <= THROTTLE_FRACTION_MAX))
      throw new Error(`assertion failed: throttle ${fraction}`);
    this.forEachVcpu(domid, (vcpu) => {
      if (vcpu.demand.throttleFraction === fraction) return;
      if (this.engine.isCurrent(vcpu)) this.engine.accrue(vcpu);
      vcpu.demand.throttleFraction = fraction;
      this.engine.rearmStop(vcpu);
    });
  }

  setDemand(domid: number, shape: DemandShape): void {
    this.forEachVcpu(domid, (vcpu) => {
      if (this.engine.isCurrent(vcpu)) this.engine.accrue(vcpu);
      vcpu.demand.setShape(shape);
      this.engine.rearmStop(vcpu);
    });
  }

  domainParams(domid: number): SchedDomainParams {
    return { ...this.require(domid).params };
  }

  /** XEN_DOMCTL_SCHEDOP_putinfo: refuses out-of-range values whole. */
  setDomainParams(domid: number, params: Partial<SchedDomainParams>): void {
    const domain = this.require(domid);
    const merged = { ...domain.params, ...params };
    const problem = this.policy.domainParamsProblem(merged, domain.vcpus.length);
    if (problem !== undefined) throw new XenError("EINVAL", `domain ${domid}: ${problem}`);
    domain.params = merged;
    this.policy.setDomainParams(domid, { ...merged }, this.engine.nowNs);
    this.engine.settle();
  }

  /** vcpu-pin: the hard affinity of one vCPU, or of all of them. */
  pin(domid: number, vcpuId: number | "all", pcpus: readonly number[]): void {
    const domain = this.require(domid);
    const mask = this.mask(domid, pcpus);
    if (vcpuId !== "all" && !(Number.isInteger(vcpuId) && vcpuId >= 0 && vcpuId < domain.vcpus.length)) {
      throw new XenError("EINVAL", `domain ${domid} has vCPUs 0..${domain.vcpus.length - 1}, not ${vcpuId}`);
    }
    for (const vcpu of domain.vcpus) if (vcpuId === "all" || vcpu.vcpuId === vcpuId) this.repin(vcpu, mask);
    this.engine.settle();
  }

  poolParams(): SchedPoolParams {
    return this.policy.poolParams();
  }

  setPoolParams(params: Partial<SchedPoolParams>): void {
    const problem = this.policy.poolParamsProblem(params);
    if (problem !== undefined) throw new XenError("EINVAL", `scheduler ${this.name}: ${problem}`);
    this.policy.setPoolParams(params);
  }

  advance(elapsedNs: number): void {
    this.engine.advance(elapsedNs);
  }

  /** CPU time of all the domain's vCPUs, accounted up to now. */
  domainCpuTimeNs(domid: number): number {
    let totalNs = 0;
    for (const vcpu of this.require(domid).vcpus) totalNs += vcpu.cpuTimeNs;
    return totalNs;
  }

  vcpus(domid: number): readonly Vcpu[] {
    return this.require(domid).vcpus;
  }

  domids(): number[] {
    return [...this.domains.keys()].sort((a, b) => a - b);
  }

  assertConsistent(): void {
    this.engine.assertConsistent();
    let queued = 0;
    for (const domain of this.domains.values()) {
      for (const vcpu of domain.vcpus) if (vcpu.inPolicy && !this.engine.isCurrent(vcpu)) queued++;
    }
    assert(queued === this.policy.queuedCount(), `${queued} vCPUs waiting, policy queues hold another count`);
  }

  private repin(vcpu: Vcpu, mask: CpuMask): void {
    vcpu.hardAffinity = mask;
    if (mask.has(vcpu.pcpu)) return;
    if (this.engine.isCurrent(vcpu)) {
      if (!vcpu.inPolicy) return; // leaving anyway; deschedule moves it
      vcpu.inPolicy = false;
      vcpu.migratePending = true;
      this.engine.tickle(vcpu.pcpu);
    } else if (vcpu.inPolicy) {
      this.policy.sleep(vcpu);
      vcpu.inPolicy = false;
      vcpu.pcpu = this.engine.placement(vcpu);
      this.engine.refresh(vcpu, "migrate");
    } else {
      vcpu.pcpu = this.engine.placement(vcpu);
    }
  }

  private mask(domid: number, pcpus: readonly number[]): CpuMask {
    const outside = pcpus.find((pcpu) => !(Number.isInteger(pcpu) && pcpu >= 0 && pcpu < this.pcpuCount));
    if (outside !== undefined) {
      throw new XenError(
        "EINVAL",
        `domain ${domid}: pCPU ${outside} does not exist (0..${this.pcpuCount - 1})`,
      );
    }
    if (pcpus.length === 0) throw new XenError("EINVAL", `domain ${domid}: an empty hard affinity`);
    return CpuMask.of(this.pcpuCount, pcpus);
  }

  private forEachVcpu(domid: number, fn: (vcpu: Vcpu) => void): void {
    for (const vcpu of this.require(domid).vcpus) fn(vcpu);
    this.engine.settle();
  }

  private require(domid: number): SchedDomain {
    const domain = this.domains.get(domid);
    if (domain === undefined) throw new Error(`assertion failed: domain ${domid} is not scheduled`);
    return domain;
  }
}
