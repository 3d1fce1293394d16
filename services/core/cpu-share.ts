import type { Domain, SchedChangeCount } from "./domain.js";
import {
  type CpuDemandSpec,
  THROTTLE_FRACTION_MAX,
  demandDutyFraction,
  demandShape,
} from "./sched/demand/index.js";
import type { HostScheduler } from "./sched/host-scheduler.js";
import { type CpuTimeSink, CpuTimeMoves, type Vcpu } from "./sched/vcpu.js";

/** What a domain got from the scheduler in one tick, and what it would have used unhindered. */
export interface CpuShare {
  cpuNs: number;
  /** Its vCPUs' duty cycle × online vCPUs × elapsed: the CPU it asks for when nothing is in its way. */
  wantedNs: number;
}

/** A share and the position of its domain in the domains the last run was given. */
export interface PositionedShare extends CpuShare {
  index: number;
}

/**
 * What was last handed to the scheduler for one domain, so only changes are passed on; it is also
 * the domain's share of the last run (one object per domain, updated in place: one object fewer to
 * touch per domain and tick).
 */
interface Applied extends PositionedShare, CpuTimeSink {
  /** The domain's schedVersion when this was last brought in line with it. */
  schedVersion: number;
  active: boolean;
  vcpusOnline: number;
  throttleFraction: number;
  demand: CpuDemandSpec;
  dutyFraction: number;
  weight: number;
  cap: number;
  cpuSeenNs: number;
  /** The domain's vCPUs in the scheduler (fixed for the domain's life). */
  vcpus: readonly Vcpu[];
  /** Forgotten (its domain destroyed): a flag the engine raised for it since is not read. */
  gone: boolean;
  /** wantedNs is out of date: active, vCPUs online or demand changed since it was worked out. */
  wantedStale: boolean;
}

/**
 * The domains' share of the host's pCPUs over each tick, as the vCPU scheduler hands it out: brings
 * the scheduler in line with the domains (pause, vcpu-set, throttle, demand, weight and cap may have
 * been changed on the Domain directly), runs it for the elapsed time and reports the CPU each got.
 */
export class CpuShares {
  private readonly applied = new Map<number, Applied>();
  /** The shares by domid: each domain's share object is updated in place by every run. */
  private readonly shares = new Map<number, CpuShare>();
  /**
   * What was applied for each domain of the last run, in the order of its domains (`appliedFor`),
   * while the caller passes the same array: no lookup by domid, and no object per domain besides.
   */
  private appliedOrdered: readonly Applied[] = [];
  private appliedFor: readonly Domain[] | undefined;
  /** The domains whose vCPUs ran since the last run, as the engine flags them (CpuTimeSink). */
  private readonly moves = new CpuTimeMoves<Applied>();
  /** The first gotCpuCount: the domains the last run gave CPU, the only shares whose cpuNs is not 0. */
  private readonly gotCpu: Applied[] = [];
  private gotCpuCount = 0;
  /** The first wantedStaleCount: the domains whose wantedNs must be worked out again. */
  private readonly wantedStale: Applied[] = [];
  private wantedStaleCount = 0;
  /** The elapsed time the shares' wantedNs are for; NaN before the first run. */
  private wantedForNs = Number.NaN;
  /** schedChanges.count when every domain was last in line with the scheduler. */
  private schedChangesSeen = Number.NaN;

  constructor(
    private readonly scheduler: HostScheduler,
    /** Counts the changes of every domain given to run(): unchanged, none of them needs a sync. */
    private readonly schedChanges: SchedChangeCount,
  ) {}

  /** Passes any change of the domain on to the scheduler. */
  sync(domain: Domain): void {
    this.syncApplied(domain, this.applied.get(domain.domid) ?? this.adopt(domain));
  }

  private syncApplied(domain: Domain, applied: Applied): void {
    applied.schedVersion = domain.schedVersion;
    const domid = domain.domid;
    if (applied.vcpusOnline !== domain.vcpusOnline) {
      this.scheduler.setVcpusOnline(domid, domain.vcpusOnline);
      applied.vcpusOnline = domain.vcpusOnline;
    }
    if (applied.active !== domain.isRunnable) {
      this.scheduler.setDomainActive(domid, domain.isRunnable);
      applied.active = domain.isRunnable;
    }
    const throttleFraction = Math.min(Math.max(domain.throttleFraction, 0), THROTTLE_FRACTION_MAX);
    if (applied.throttleFraction !== throttleFraction) {
      this.scheduler.setThrottle(domid, throttleFraction);
      applied.throttleFraction = throttleFraction;
    }
    const demand = domain.cpuDemand;
    if (applied.demand !== demand) {
      this.scheduler.setDemand(domid, demandShape(demand));
      applied.demand = demand;
      applied.dutyFraction = demandDutyFraction(demandShape(demand));
    }
    if (applied.weight !== domain.weight || applied.cap !== domain.cap) {
      this.scheduler.setDomainParams(domid, { weight: domain.weight, cap: domain.cap });
      applied.weight = domain.weight;
      applied.cap = domain.cap;
    }
    this.markWantedStale(applied);
  }

  forget(domid: number): void {
    const applied = this.applied.get(domid);
    if (applied !== undefined) applied.gone = true;
    this.applied.delete(domid);
    this.shares.delete(domid);
    this.appliedFor = undefined;
  }

  /**
   * Runs the scheduler for `elapsedNs` and returns each domain's share of it, by domid. The map and
   * its shares are reused by the next run: read them now, keep copies. Only the shares of the
   * domains whose vCPUs ran are worked out (gotCpuIndexes); the others' cpuNs is 0, as their vCPUs'
   * sum would have said, and their wantedNs the same as the last run's unless something changed.
   */
  run(domains: readonly Domain[], elapsedNs: number): ReadonlyMap<number, Readonly<CpuShare>> {
    const adopted = domains !== this.appliedFor;
    if (adopted) this.adoptAll(domains);
    const appliedOrdered = this.appliedOrdered;
    const schedChangeCount = this.schedChanges.count;
    if (adopted || schedChangeCount !== this.schedChangesSeen) {
      this.schedChangesSeen = schedChangeCount; // a change during the syncs is seen by the next run
      for (let index = 0; index < domains.length; index++) {
        const domain = domains[index]!;
        const applied = appliedOrdered[index]!;
        if (applied.schedVersion !== domain.schedVersion) this.syncApplied(domain, applied);
      }
    }
    this.scheduler.advance(elapsedNs);
    const gotCpu = this.gotCpu;
    for (let i = 0; i < this.gotCpuCount; i++) gotCpu[i]!.cpuNs = 0;
    let gotCpuCount = 0;
    const moves = this.moves;
    for (let i = 0; i < moves.count; i++) {
      const applied = moves.sinks[i]!;
      applied.cpuTimeMoved = false;
      if (applied.gone) continue;
      let cpuSeenNs = 0;
      const vcpus = applied.vcpus;
      for (let v = 0; v < vcpus.length; v++) cpuSeenNs += vcpus[v]!.cpuTimeNs;
      applied.cpuNs = cpuSeenNs - applied.cpuSeenNs;
      applied.cpuSeenNs = cpuSeenNs;
      gotCpu[gotCpuCount++] = applied;
    }
    moves.count = 0;
    this.gotCpuCount = gotCpuCount;
    if (elapsedNs !== this.wantedForNs) {
      this.wantedForNs = elapsedNs;
      for (const applied of appliedOrdered) applied.wantedStale = true;
      for (const applied of appliedOrdered) this.updateWanted(applied);
    } else {
      for (let i = 0; i < this.wantedStaleCount; i++) this.updateWanted(this.wantedStale[i]!);
    }
    this.wantedStaleCount = 0;
    return this.shares;
  }

  /** The last run's shares in the order of the domains it was given (no lookup by domid). */
  sharesInOrder(): readonly Readonly<CpuShare>[] {
    return this.appliedOrdered;
  }

  /**
   * The first gotCpuCount() are the shares the last run gave CPU, in no particular order; every other
   * share of that run has cpuNs 0. Reused by the next run.
   */
  gotCpuShares(): readonly Readonly<PositionedShare>[] {
    return this.gotCpu;
  }

  gotCpuCountOfRun(): number {
    return this.gotCpuCount;
  }

  private markWantedStale(applied: Applied): void {
    if (applied.wantedStale) return;
    applied.wantedStale = true;
    this.wantedStale[this.wantedStaleCount++] = applied;
  }

  private updateWanted(applied: Applied): void {
    if (!applied.wantedStale) return;
    applied.wantedStale = false;
    applied.wantedNs = applied.active ? applied.dutyFraction * applied.vcpusOnline * this.wantedForNs : 0;
  }

  /** Looks the domains up once; the next runs with the same array skip the lookups. */
  private adoptAll(domains: readonly Domain[]): void {
    this.appliedOrdered = domains.map((domain) => this.applied.get(domain.domid) ?? this.adopt(domain));
    this.appliedOrdered.forEach((applied, index) => (applied.index = index));
    this.appliedFor = domains;
  }

  /** A domain the scheduler has just been given: record what it was built with. */
  private adopt(domain: Domain): Applied {
    const applied: Applied = {
      cpuNs: 0,
      wantedNs: 0,
      schedVersion: domain.schedVersion - 1, // not yet in line: the first run passes it all on
      active: false,
      vcpusOnline: 0,
      throttleFraction: 0,
      demand: domain.cpuDemand,
      dutyFraction: demandDutyFraction(demandShape(domain.cpuDemand)),
      weight: domain.weight,
      cap: domain.cap,
      cpuSeenNs: this.scheduler.domainCpuTimeNs(domain.domid),
      cpuTimeMoved: true,
      moves: this.moves,
      vcpus: this.scheduler.vcpus(domain.domid),
      index: -1,
      gone: false,
      wantedStale: false,
    };
    this.moves.add(applied); // read by the first run, as a flag the engine raised
    this.markWantedStale(applied);
    for (const vcpu of applied.vcpus) vcpu.cpuTimeSink = applied;
    this.applied.set(domain.domid, applied);
    this.shares.set(domain.domid, applied);
    return applied;
  }
}
