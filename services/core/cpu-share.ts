import type { Domain } from "./domain.js";
import {
  type CpuDemandSpec,
  THROTTLE_FRACTION_MAX,
  demandDutyFraction,
  demandShape,
} from "./sched/demand/index.js";
import type { HostScheduler } from "./sched/host-scheduler.js";

/** What a domain got from the scheduler in one tick, and what it would have used unhindered. */
export interface CpuShare {
  cpuNs: number;
  /** Its vCPUs' duty cycle × online vCPUs × elapsed: the CPU it asks for when nothing is in its way. */
  wantedNs: number;
}

/** What was last handed to the scheduler for one domain, so only changes are passed on. */
interface Applied {
  active: boolean;
  vcpusOnline: number;
  throttleFraction: number;
  demand: CpuDemandSpec;
  dutyFraction: number;
  weight: number;
  cap: number;
  cpuSeenNs: number;
}

/**
 * The domains' share of the host's pCPUs over each tick, as the vCPU scheduler hands it out: brings
 * the scheduler in line with the domains (pause, vcpu-set, throttle, demand, weight and cap may have
 * been changed on the Domain directly), runs it for the elapsed time and reports the CPU each got.
 */
export class CpuShares {
  private readonly applied = new Map<number, Applied>();

  constructor(private readonly scheduler: HostScheduler) {}

  /** Passes any change of the domain on to the scheduler. */
  sync(domain: Domain): void {
    const applied = this.applied.get(domain.domid) ?? this.adopt(domain);
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
  }

  /** Runs the scheduler for `elapsedNs` and returns each domain's share of it, by domid. */
  run(domains: readonly Domain[], elapsedNs: number): Map<number, CpuShare> {
    for (const domain of domains) this.sync(domain);
    this.scheduler.advance(elapsedNs);
    const shares = new Map<number, CpuShare>();
    for (const domain of domains) {
      const applied = this.applied.get(domain.domid)!;
      const cpuSeenNs = this.scheduler.domainCpuTimeNs(domain.domid);
      const wantedNs = applied.active ? applied.dutyFraction * applied.vcpusOnline * elapsedNs : 0;
      shares.set(domain.domid, { cpuNs: cpuSeenNs - applied.cpuSeenNs, wantedNs });
      applied.cpuSeenNs = cpuSeenNs;
    }
    return shares;
  }

  /** A domain the scheduler has just been given: record what it was built with. */
  private adopt(domain: Domain): Applied {
    const applied: Applied = {
      active: false,
      vcpusOnline: 0,
      throttleFraction: 0,
      demand: domain.cpuDemand,
      dutyFraction: demandDutyFraction(demandShape(domain.cpuDemand)),
      weight: domain.weight,
      cap: domain.cap,
      cpuSeenNs: this.scheduler.domainCpuTimeNs(domain.domid),
    };
    this.applied.set(domain.domid, applied);
    return applied;
  }
}
