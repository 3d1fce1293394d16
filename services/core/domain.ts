import type { Prng } from "./prng.js";
import { GuestMemory } from "./memory/guest-memory.js";
import type { Workload, WorkloadSpec } from "./workload/workload.js";
import { createWorkload, parseWorkloadSpec } from "./workload/index.js";
import { type DomainRunState, ShutdownReason, formatStateLetters } from "./domain-state.js";
import { kibToPages, pagesToKib } from "./units.js";
import { type CpuDemandSpec, parseCpuDemandSpec } from "./sched/demand/index.js";

export type DomainType = "pv" | "pvh" | "hvm";

const IDLE_DEMAND: CpuDemandSpec = { kind: "idle" };
const CPU_BOUND_DEMAND: CpuDemandSpec = { kind: "cpu" };

function demandOf(workload: Workload): CpuDemandSpec {
  return workload.spec.kind === "idle" ? IDLE_DEMAND : CPU_BOUND_DEMAND;
}

/** What the hypervisor needs to build a domain (XEN_DOMCTL_createdomain + max_mem + max_vcpus). */
export interface DomainCreateSpec {
  uuid: string;
  type: DomainType;
  memoryKib: number;
  maxmemKib: number;
  vcpus: number;
  maxvcpus: number;
  weight: number;
  cap: number;
  workload: string;
  /** The vCPUs' CPU demand (`cpu`, `io:...`, `idle`, `bursty:...`); default: follows the workload. */
  cpuDemand?: string;
  /** Keep this domid (restore with -D); otherwise the allocator picks one. */
  domid?: number;
  /** The cpupool to run in (xl.cfg `pool`, resolved to its id by the toolstack); default Pool-0. */
  poolId?: number;
}

/**
 * Counts the changes of what the vCPU scheduler is told about any of the domains that share it (one
 * per hypervisor): a tick asks it once whether anything changed, instead of asking every domain.
 */
export interface SchedChangeCount {
  count: number;
}

/** One domain as the hypervisor holds it: memory, vCPUs, run state and accounting. */
export class Domain {
  readonly memory: GuestMemory;
  private workloadNow: Workload;
  /** The CPU demand the workload implies (kept with it: every tick asks). */
  private workloadDemand: CpuDemandSpec;
  /** The workload is not `idle` (kept with it: a tick runs only such workloads). */
  private workloadWritesNow: boolean;
  private schedVersionNow = 0;
  private cpuDemandSetNow: CpuDemandSpec | undefined;
  private vcpusOnlineNow: number;
  private weightNow: number;
  private capNow: number;
  private throttleFractionNow = 0;
  private pausedNow = false;
  private shutdownReasonNow: ShutdownReason | undefined = undefined;
  private dyingNow = false;
  maxmemKib: number;
  cpuTimeNs = 0;
  /** NUMA node affinity (d->node_affinity): where its memory comes from; empty = every node. */
  numaNodes: readonly number[] = [];
  /** Whether the domain used CPU in the last tick: r when it did, b when it waited. */
  ranLastTick = false;

  constructor(
    readonly domid: number,
    readonly uuid: string,
    readonly type: DomainType,
    spec: DomainCreateSpec,
    readonly prng: Prng,
    /** Bumped with schedVersion; shared with the host's other domains (SchedChangeCount). */
    private readonly schedChanges: SchedChangeCount = { count: 0 },
  ) {
    this.memory = new GuestMemory(kibToPages(spec.memoryKib), kibToPages(spec.maxmemKib));
    this.workloadNow = createWorkload(parseWorkloadSpec(spec.workload));
    this.workloadDemand = demandOf(this.workloadNow);
    this.workloadWritesNow = this.workloadNow.spec.kind !== "idle";
    this.cpuDemandSetNow = spec.cpuDemand === undefined ? undefined : parseCpuDemandSpec(spec.cpuDemand);
    this.vcpusOnlineNow = spec.vcpus;
    this.maxvcpus = spec.maxvcpus;
    this.weightNow = spec.weight;
    this.capNow = spec.cap;
    this.maxmemKib = spec.maxmemKib;
  }

  readonly maxvcpus: number;

  /**
   * Bumped by every change of what the vCPU scheduler is told about the domain (vCPUs online,
   * runnable, throttle, CPU demand, weight, cap): CpuShares passes changes on only when it moved,
   * instead of comparing each of them on every tick.
   */
  get schedVersion(): number {
    return this.schedVersionNow;
  }

  private schedChanged(): void {
    this.schedVersionNow++;
    this.schedChanges.count++;
  }

  get workload(): Workload {
    return this.workloadNow;
  }

  set workload(workload: Workload) {
    this.workloadNow = workload;
    this.workloadDemand = demandOf(workload);
    this.workloadWritesNow = workload.spec.kind !== "idle";
    this.schedChanged();
  }

  /** Whether the workload writes memory when it runs (any but `idle`). */
  get workloadWrites(): boolean {
    return this.workloadWritesNow;
  }

  /** The CPU demand set explicitly; undefined = derived from the workload (see `cpuDemand`). */
  get cpuDemandSet(): CpuDemandSpec | undefined {
    return this.cpuDemandSetNow;
  }

  set cpuDemandSet(spec: CpuDemandSpec | undefined) {
    this.cpuDemandSetNow = spec;
    this.schedChanged();
  }

  get vcpusOnline(): number {
    return this.vcpusOnlineNow;
  }

  set vcpusOnline(count: number) {
    this.vcpusOnlineNow = count;
    this.schedChanged();
  }

  get weight(): number {
    return this.weightNow;
  }

  set weight(weight: number) {
    this.weightNow = weight;
    this.schedChanged();
  }

  get cap(): number {
    return this.capNow;
  }

  set cap(cap: number) {
    this.capNow = cap;
    this.schedChanged();
  }

  /**
   * QEMU-style auto-converge, 0..0.99: the vCPUs sleep this fraction of the time they would run, so
   * the guest gets less CPU and, its dirty rate following its CPU, writes less.
   */
  get throttleFraction(): number {
    return this.throttleFractionNow;
  }

  set throttleFraction(fraction: number) {
    this.throttleFractionNow = fraction;
    this.schedChanged();
  }

  get paused(): boolean {
    return this.pausedNow;
  }

  set paused(paused: boolean) {
    this.pausedNow = paused;
    this.schedChanged();
  }

  get shutdownReason(): ShutdownReason | undefined {
    return this.shutdownReasonNow;
  }

  set shutdownReason(reason: ShutdownReason | undefined) {
    this.shutdownReasonNow = reason;
    this.schedChanged();
  }

  get dying(): boolean {
    return this.dyingNow;
  }

  set dying(dying: boolean) {
    this.dyingNow = dying;
    this.schedChanged();
  }

  setWorkload(spec: WorkloadSpec): void {
    this.workload = createWorkload(spec);
  }

  /** What the vCPUs ask of the CPU: as set, else CPU-bound for a busy workload and idle for `idle`. */
  get cpuDemand(): CpuDemandSpec {
    return this.cpuDemandSet ?? this.workloadDemand;
  }

  get memoryKib(): number {
    return pagesToKib(this.memory.pageCount);
  }

  get isShutdown(): boolean {
    return this.shutdownReason !== undefined;
  }

  /** Schedulable: neither paused, shut down nor dying. */
  get isRunnable(): boolean {
    return !this.pausedNow && this.shutdownReasonNow === undefined && !this.dyingNow;
  }

  runState(): DomainRunState {
    const active = this.isRunnable;
    return {
      running: active && this.ranLastTick,
      blocked: active && !this.ranLastTick,
      paused: this.paused,
      shutdown: this.isShutdown,
      shutdownReason: this.shutdownReason,
      dying: this.dying,
    };
  }

  stateLetters(): string {
    return formatStateLetters(this.runState());
  }
}
