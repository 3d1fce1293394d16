import type { RtdsVcpuParams } from "./rtds/unit.js";
import type { Vcpu } from "./vcpu.js";

/** The schedulers a host can run, by the names `xl info` prints as xen_scheduler. */
export type SchedulerName = "credit" | "credit2" | "rtds";

export const SCHEDULER_NAMES: readonly SchedulerName[] = ["credit", "credit2", "rtds"];

/** The schedulers that share CPU by weight and cap (sched-credit, sched-credit2). */
export const WEIGHTED_SCHEDULER_NAMES: readonly SchedulerName[] = ["credit", "credit2"];

/**
 * Per-domain parameters (XEN_DOMCTL_SCHEDOP_putinfo): weight 1..65535, cap in % of one pCPU, read
 * by credit and credit2; RTDS reads instead each vCPU's period, budget and extratime
 * (XEN_DOMCTL_SCHEDOP_putvcpuinfo), indexed by vCPU id; a vCPU without an entry has the defaults.
 */
export interface SchedDomainParams {
  weight: number;
  cap: number;
  rtds?: readonly RtdsVcpuParams[];
}

/** Per-pool parameters (XEN_SYSCTL_SCHEDOP_putinfo); tsliceMs only under credit; RTDS has none. */
export interface SchedPoolParams {
  tsliceMs?: number;
  ratelimitUs?: number;
}

export interface SchedDecision {
  /** What the pCPU runs next; undefined = the idle vCPU. */
  next: Vcpu | undefined;
  /** How long before the policy wants to decide again; Infinity when idle. */
  sliceNs: number;
}

/** Why a vCPU becomes runnable: a wake-up (may be boosted) or a move forced by its affinity. */
export type WakeReason = "wake" | "migrate";

/** What the engine offers a policy: the pCPUs and the levers a policy pulls on vCPUs. */
export interface PolicyHost {
  readonly pcpuCount: number;
  /** The vCPU running on the pCPU, undefined when it is idle. */
  current(pcpu: number): Vcpu | undefined;
  /** Asks the pCPU to run the policy's schedule() at the current time (raise SCHEDULE_SOFTIRQ). */
  tickle(pcpu: number): void;
  isTickled(pcpu: number): boolean;
  /** Takes a vCPU off the CPU for overspending a cap; it stays off until unpark. */
  park(vcpu: Vcpu): void;
  unpark(vcpu: Vcpu): void;
}

/**
 * A vCPU scheduling policy (≈ struct scheduler in xen/common/sched/private.h). The engine owns
 * time, pCPUs and vCPU runstates; the policy owns runqueues and credit. A vCPU with `inPolicy` set is
 * either current on a pCPU or on exactly one of the policy's runqueues.
 */
export interface SchedPolicy {
  readonly name: SchedulerName;
  /** Events one vCPU or pCPU may cause per simulated ms under this policy, if above the engine's. */
  readonly eventCountPerEntityMsMax?: number;
  attach(host: PolicyHost): void;
  /** Why these parameters are refused for a domain with `vcpuCountMax` vCPUs, or undefined. */
  domainParamsProblem(params: SchedDomainParams, vcpuCountMax: number): string | undefined;
  addDomain(domid: number, params: SchedDomainParams): void;
  setDomainParams(domid: number, params: SchedDomainParams, nowNs: number): void;
  removeDomain(domid: number): void;
  /** Registers a vCPU of a known domain; it is not runnable yet. */
  addVcpu(vcpu: Vcpu): void;
  /** Forgets a vCPU that is neither queued nor running. */
  removeVcpu(vcpu: Vcpu): void;
  /** The vCPU became runnable: queue it and tickle a pCPU (the engine set inPolicy). */
  wake(vcpu: Vcpu, nowNs: number, reason: WakeReason): void;
  /** A queued (not running) vCPU stopped being runnable: dequeue it. */
  sleep(vcpu: Vcpu): void;
  /**
   * Picks what the pCPU runs next; a runnable current that is not chosen goes back on a runqueue.
   * The decision is valid until the next call (a policy may reuse one object).
   */
  schedule(pcpu: number, nowNs: number): SchedDecision;
  /** When the policy's next periodic work (ticks, accounting, cap replenishment) falls due. */
  nextTimerNs(): number;
  runTimers(nowNs: number): void;
  poolParams(): SchedPoolParams;
  /** Why these pool parameters are refused, or undefined; setPoolParams applies checked ones. */
  poolParamsProblem(params: Partial<SchedPoolParams>): string | undefined;
  setPoolParams(params: Partial<SchedPoolParams>): void;
  /** vCPUs on runqueues (not running), for the engine's invariant checks. */
  queuedCount(): number;
}
