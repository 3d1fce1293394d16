import type { CpuMask } from "./cpu-mask.js";
import type { VcpuDemand } from "./demand/vcpu-demand.js";

/**
 * A vCPU's runstate (xen/include/public/vcpu.h RUNSTATE_*): running on a pCPU, runnable and waiting
 * for one, blocked (waiting for an event: its guest has nothing to do), or offline (not runnable
 * for another reason: brought down by vcpu-set, its domain paused or shut down, or parked by a cap).
 */
export type VcpuRunState = "running" | "runnable" | "blocked" | "offline";

/** Waiting times of one vCPU: from becoming runnable (a wake or a preemption) to running. */
export interface VcpuWaitStats {
  waitCount: number;
  waitNsTotal: number;
  waitNsMax: number;
}

/**
 * Whoever wants to know that a vCPU's cpuTimeNs grew: the engine raises the flag and, when it was
 * down, adds the sink to its `moves`; the owner reads the moves, empties them and lowers the flags.
 */
export interface CpuTimeSink {
  cpuTimeMoved: boolean;
  readonly moves: CpuTimeMoves;
}

/** The sinks whose flag went up since their owner last looked: the first `count` of `sinks`. */
export class CpuTimeMoves<Sink extends CpuTimeSink = CpuTimeSink> {
  /** Past `count`, entries are stale (kept to be overwritten: no array shrinks on every tick). */
  readonly sinks: Sink[] = [];
  count = 0;

  add(sink: Sink): void {
    this.sinks[this.count++] = sink;
  }
}

/** One vCPU as the host's scheduler engine holds it. The policy keeps its own per-vCPU record. */
export class Vcpu {
  /** Online (vcpu-set): an offline vCPU is never scheduled. */
  online = false;
  /** The domain is schedulable: not paused, shut down or dying. */
  domainActive = false;
  /** Parked by the policy for overspending its cap (credit: CSCHED_FLAG_UNIT_PARKED). */
  parked = false;
  /** Blocked by its own demand: between bursts, or asleep under the auto-converge throttle. */
  sleeping = false;
  /** The current sleep is a throttle sleep: the burst goes on after it. */
  throttleSleep = false;
  /** When the current sleep ends. */
  wakeAtNs = 0;

  runState: VcpuRunState = "offline";
  /** The pCPU it runs on, or last ran on / is queued for (v->processor). */
  pcpu: number;
  cpuTimeNs = 0;
  /**
   * Told each time cpuTimeNs grows (set by CpuShares, one per domain): a tick then reads the vCPUs
   * of only the domains whose CPU time moved, not every vCPU of the host.
   */
  cpuTimeSink: CpuTimeSink | undefined = undefined;
  /** The record the policy that holds it keeps of it (credit2's unit): found without a Map. */
  policyUnit: object | undefined = undefined;
  /** Known to the policy as runnable: on one of its runqueues, or current on a pCPU. */
  inPolicy = false;
  /** Hard affinity changed under it while running: requeue it elsewhere once descheduled. */
  migratePending = false;
  /** When it last started running (state_entry_time), for ratelimit. */
  runningSinceNs = 0;
  /** Up to when its running time has been accounted. */
  accountedToNs = 0;
  /** When it last became runnable, for the wait statistics. */
  runnableSinceNs = 0;
  readonly waits: VcpuWaitStats = { waitCount: 0, waitNsTotal: 0, waitNsMax: 0 };
  /** Bumped when a pending stop event (end of burst while running) becomes stale. */
  stopVersion = 0;
  /** Bumped when a pending wake event becomes stale. */
  wakeVersion = 0;

  constructor(
    readonly domid: number,
    readonly vcpuId: number,
    public hardAffinity: CpuMask,
    readonly demand: VcpuDemand,
  ) {
    this.pcpu = hardAffinity.first();
  }

  /** Everything the guest, toolstack and policy say allows it to run. */
  get wantsToRun(): boolean {
    return this.online && this.domainActive && !this.parked && !this.sleeping;
  }

  /** The runstate it has when not known to the policy. */
  get idleRunState(): VcpuRunState {
    return this.online && this.domainActive && !this.parked && this.sleeping ? "blocked" : "offline";
  }
}
