import type { Domain } from "./domain.js";
import {
  type CpuDemandSpec,
  THROTTLE_FRACTION_MAX,
  demandDutyFraction,
  demandShape,
} from "./sched/demand/index.js";
import type { HostScheduler } from "./sched/host-scheduler.js";
import type { CpuTimeSink, Vcpu } from "./sched/vcpu.js";

/** What a domain got from the scheduler in one tick, and what it would have used unhindered. */
export interface CpuShare {
  cpuNs: number;
  /** Its vCPUs' duty cycle × online vCPUs × elapsed: the CPU it asks for when nothing is in its way. */
  wantedNs: number;
}

/**
 * What was last handed to the scheduler for one domain, so only changes are passed on; it is also
 * the domain's share of the last run (one object per domain, updated in place: one object fewer to
 * touch per domain and tick).
 */
interface Applied extends CpuShare, CpuTimeSink {
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

  constructor(private readonly scheduler: HostScheduler) {}

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
  }

  forget(domid: number): void {
    this.applied.delete(domid);
    this.shares.delete(domid);
    this.appliedFor = undefined;
  }

  /**
   * Runs the scheduler for `elapsedNs` and returns each domain's share of it, by domid. The map and
   * its shares are reused by the next run: read them now, keep copies.
   */
  run(domains: readonly Domain[], elapsedNs: number): ReadonlyMap<number, Readonly<CpuShare>> {
    if (domains !== this.appliedFor) this.adoptAll(domains);
    const appliedOrdered = this.appliedOrdered;
    for (let index = 0; index < domains.length; index++) {
      const domain = domains[index]!;
      const applied = appliedOrdered[index]!;
      if (applied.schedVersion !== domain.schedVersion) this.syncApplied(domain, applied);
    }
    this.scheduler.advance(elapsedNs);
    for (const applied of appliedOrdered) {
      // A domain none of whose vCPUs ran got no CPU (its sum would be the same): its vCPUs stay unread.
      if (applied.cpuTimeMoved) {
        applied.cpuTimeMoved = false;
        let cpuSeenNs = 0;
        for (const vcpu of applied.vcpus) cpuSeenNs += vcpu.cpuTimeNs;
        applied.cpuNs = cpuSeenNs - applied.cpuSeenNs;
        applied.cpuSeenNs = cpuSeenNs;
      } else {
        applied.cpuNs = 0;
      }
      applied.wantedNs = applied.active ? applied.dutyFraction * applied.vcpusOnline * elapsedNs : 0;
    }
    return this.shares;
  }

  /** The last run's shares in the order of the domains it was given (no lookup by domid). */
  sharesInOrder(): readonly Readonly<CpuShare>[] {
    return this.appliedOrdered;
  }

  /** Looks the domains up once; the next runs with the same array skip the lookups. */
  private adoptAll(domains: readonly Domain[]): void {
    this.appliedOrdered = domains.map((domain) => this.applied.get(domain.domid) ?? this.adopt(domain));
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
      vcpus: this.scheduler.vcpus(domain.domid),
    };
    for (const vcpu of applied.vcpus) vcpu.cpuTimeSink = applied;
    this.applied.set(domain.domid, applied);
    this.shares.set(domain.domid, applied);
    return applied;
  }
}
