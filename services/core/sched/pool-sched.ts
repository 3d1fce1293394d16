import { assert } from "../errors.js";
import { CpuMask } from "./cpu-mask.js";
import { createSchedPolicy } from "./create-policy.js";
import { SchedEngine } from "./engine.js";
import type { SchedDomainParams, SchedPolicy, SchedPoolParams, SchedulerName } from "./policy.js";
import type { Vcpu } from "./vcpu.js";

/** A domain as its pool runs it: its vCPUs and parameters, and the pCPUs each vCPU is pinned to. */
export interface PoolDomain {
  readonly domid: number;
  readonly vcpus: readonly Vcpu[];
  params: SchedDomainParams;
  /** Each vCPU's hard affinity in host pCPU numbers as vcpu-pin set it; undefined = all. */
  pins: (readonly number[] | undefined)[];
}

/**
 * One CPU pool's scheduling (≈ struct cpupool with its struct scheduler, xen/common/sched/cpupool.c):
 * its own policy instance runs its own engine over only the pool's pCPUs, numbered 0..n-1 inside the
 * engine (`cpus[local]` is the host pCPU). When the pool's pCPUs change the engine is rebuilt at the
 * current time with a fresh policy of the same scheduler and the same pool parameters, and the
 * domains' vCPUs re-enter it; their CPU time, demand and statistics carry over.
 */
export class PoolSched {
  private engineNow: SchedEngine | undefined;
  private policyNow: SchedPolicy;
  private cpuList: readonly number[] = [];
  private placementNext = 0;
  readonly domains = new Map<number, PoolDomain>();

  constructor(
    readonly poolId: number,
    readonly schedulerName: SchedulerName,
    policy: SchedPolicy = createSchedPolicy(schedulerName),
  ) {
    assert(policy.name === schedulerName, `a ${policy.name} policy for a ${schedulerName} pool`);
    this.policyNow = policy;
  }

  get policy(): SchedPolicy {
    return this.policyNow;
  }

  /** The host pCPUs of the pool, ascending. */
  get cpus(): readonly number[] {
    return this.cpuList;
  }

  /** undefined while the pool has no pCPU. */
  get engine(): SchedEngine | undefined {
    return this.engineNow;
  }

  /** Gives the pool exactly these host pCPUs, rebuilding its engine at `nowNs`. */
  setCpus(cpus: readonly number[], nowNs: number): void {
    const sorted = [...new Set(cpus)].sort((a, b) => a - b);
    assert(sorted.length > 0 || this.domains.size === 0, `pool ${this.poolId} would leave domains no pCPU`);
    const params = this.policyNow.poolParams();
    for (const domain of this.domains.values()) for (const vcpu of domain.vcpus) resetForEngine(vcpu);
    this.cpuList = sorted;
    if (this.engineNow !== undefined || sorted.length > 0) {
      this.policyNow = createSchedPolicy(this.schedulerName);
      this.policyNow.setPoolParams(params);
    }
    this.engineNow = sorted.length > 0 ? new SchedEngine(sorted.length, this.policyNow, nowNs) : undefined;
    for (const domain of this.domains.values()) this.enter(domain);
  }

  /** Takes a domain in: its policy record, then each vCPU into the engine. */
  add(domain: PoolDomain): void {
    // Each message is built only on failure (a template argument is a new string per call).
    if (this.domains.has(domain.domid))
      assert(false, `domain ${domain.domid} already in pool ${this.poolId}`);
    if (this.engineNow === undefined) assert(false, `pool ${this.poolId} has no pCPU`);
    this.domains.set(domain.domid, domain);
    this.enter(domain);
  }

  /** Lets a domain go: its vCPUs leave the engine and the policy forgets it. */
  remove(domid: number): PoolDomain {
    const domain = this.domains.get(domid);
    if (domain === undefined) assert(false, `domain ${domid} is not in pool ${this.poolId}`);
    const engine = this.requireEngine();
    const online = domain.vcpus.map((vcpu) => vcpu.online);
    for (const vcpu of domain.vcpus) engine.removeVcpu(vcpu); // takes them offline to drain them
    this.policyNow.removeDomain(domid);
    this.domains.delete(domid);
    domain.vcpus.forEach((vcpu, index) => {
      resetForEngine(vcpu);
      vcpu.online = online[index]!;
    });
    return domain;
  }

  requireEngine(): SchedEngine {
    // The message is built only on failure: this runs on every tick.
    if (this.engineNow === undefined) assert(false, `pool ${this.poolId} has no pCPU`);
    return this.engineNow;
  }

  /** The engine mask for host pCPUs: those of them in the pool; all of the pool when none is. */
  localMask(pins: readonly number[] | undefined): CpuMask {
    const count = this.cpuList.length;
    if (pins === undefined) return CpuMask.all(count); // an unpinned vCPU (each created one)
    const local = pins.map((p) => this.cpuList.indexOf(p)).filter((l) => l >= 0);
    return local.length === 0 || local.length === count ? CpuMask.all(count) : CpuMask.of(count, local);
  }

  /** The host pCPUs of an engine mask. */
  hostPcpus(mask: CpuMask): number[] {
    return mask.list().map((local) => this.cpuList[local]!);
  }

  /** The host pCPU of an engine pCPU number. */
  hostPcpu(local: number): number {
    const pcpu = this.cpuList[local];
    if (pcpu === undefined) assert(false, `pool ${this.poolId} has no pCPU ${local}`);
    return pcpu;
  }

  poolParams(): SchedPoolParams {
    return this.policyNow.poolParams();
  }

  private enter(domain: PoolDomain): void {
    const engine = this.requireEngine();
    this.policyNow.addDomain(domain.domid, { ...domain.params });
    for (const vcpu of domain.vcpus) {
      const pins = domain.pins[vcpu.vcpuId];
      const mask = this.localMask(pins);
      // Xen breaks the affinity of a vCPU none of whose pCPUs is left in its pool (cpupool.c).
      if (pins !== undefined && mask.isAll && !pins.some((p) => this.cpuList.includes(p)))
        domain.pins[vcpu.vcpuId] = undefined;
      vcpu.hardAffinity = mask;
      // Spread new vCPUs over the pCPUs, as sched_select_initial_cpu cycles a domain's vCPUs and
      // csched_res_pick spreads units: not all queued behind one pCPU when the domains start.
      vcpu.pcpu = mask.cycleFrom(this.placementNext++ % mask.pcpuCount);
      engine.addVcpu(vcpu);
    }
  }
}

/** Clears what an engine and its policy kept on the vCPU, so another engine can take it. */
function resetForEngine(vcpu: Vcpu): void {
  vcpu.inPolicy = false;
  vcpu.parked = false;
  vcpu.sleeping = false;
  vcpu.throttleSleep = false;
  vcpu.migratePending = false;
  vcpu.runState = "offline";
  vcpu.stopVersion++;
  vcpu.wakeVersion++;
}
