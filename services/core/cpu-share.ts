import type { Domain } from "./domain.js";
import {
  type CpuDemandSpec,
  THROTTLE_FRACTION_MAX,
  demandDutyFraction,
  demandShape,
} from "./sched/demand/index.js";
import type { HostScheduler } from "./sched/host-scheduler.js";
import type { Vcpu } from "./sched/vcpu.js";

/** What a domain got from the scheduler in one tick, and what it would have used unhindered. */
export interface CpuShare {
  cpuNs: number;
  /** Its vCPUs' duty cycle × online vCPUs × elapsed: the CPU it asks for when nothing is in its way. */
  wantedNs: number;
}

/** What was last handed to the scheduler for one domain, so only changes are passed on. */
interface Applied {
  /** What the domain got in the last run (one object per domain, updated in place). */
  share: CpuShare;
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

interface Entry {
  domain: Domain;
  applied: Applied;
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
  /** The domains of the last run with their state, while the caller passes the same array. */
  private entries: readonly Entry[] = [];
  /** Each entry's share, in the same order. */
  private sharesOrdered: readonly CpuShare[] = [];
  private entriesFor: readonly Domain[] | undefined;

  constructor(private readonly scheduler: HostScheduler) {}

  /** Passes any change of the domain on to the scheduler. */
  sync(domain: Domain): void {
    this.syncApplied(domain, this.applied.get(domain.domid) ?? this.adopt(domain));
  }

  private syncApplied(domain: Domain, applied: Applied): void {
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
    this.entriesFor = undefined;
  }

  /**
   * Runs the scheduler for `elapsedNs` and returns each domain's share of it, by domid. The map and
   * its shares are reused by the next run: read them now, keep copies.
   */
  run(domains: readonly Domain[], elapsedNs: number): ReadonlyMap<number, Readonly<CpuShare>> {
    if (domains !== this.entriesFor) this.adoptAll(domains);
    const entries = this.entries;
    for (const entry of entries) this.syncApplied(entry.domain, entry.applied);
    this.scheduler.advance(elapsedNs);
    for (const { applied } of entries) {
      let cpuSeenNs = 0;
      for (const vcpu of applied.vcpus) cpuSeenNs += vcpu.cpuTimeNs;
      const share = applied.share;
      share.cpuNs = cpuSeenNs - applied.cpuSeenNs;
      share.wantedNs = applied.active ? applied.dutyFraction * applied.vcpusOnline * elapsedNs : 0;
      applied.cpuSeenNs = cpuSeenNs;
    }
    return this.shares;
  }

  /** The last run's shares in the order of the domains it was given (no lookup by domid). */
  sharesInOrder(): readonly Readonly<CpuShare>[] {
    return this.sharesOrdered;
  }

  /** Looks the domains up once; the next runs with the same array skip the lookups. */
  private adoptAll(domains: readonly Domain[]): void {
    this.entries = domains.map((domain) => ({
      domain,
      applied: this.applied.get(domain.domid) ?? this.adopt(domain),
    }));
    this.sharesOrdered = this.entries.map((entry) => entry.applied.share);
    this.entriesFor = domains;
  }

  /** A domain the scheduler has just been given: record what it was built with. */
  private adopt(domain: Domain): Applied {
    const applied: Applied = {
      share: { cpuNs: 0, wantedNs: 0 },
      active: false,
      vcpusOnline: 0,
      throttleFraction: 0,
      demand: domain.cpuDemand,
      dutyFraction: demandDutyFraction(demandShape(domain.cpuDemand)),
      weight: domain.weight,
      cap: domain.cap,
      cpuSeenNs: this.scheduler.domainCpuTimeNs(domain.domid),
      vcpus: this.scheduler.vcpus(domain.domid),
    };
    this.applied.set(domain.domid, applied);
    this.shares.set(domain.domid, applied.share);
    return applied;
  }
}
