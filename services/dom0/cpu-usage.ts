import type { Domain } from "../core/domain.js";
import type { Hypervisor } from "../core/hypervisor.js";

/** How often a host service samples its domains' CPU time for xentop's CPU(%). */
export const CPU_USAGE_SAMPLE_INTERVAL_MS = 1000;
const NS_PER_MS = 1_000_000;
const PERCENT = 100;

interface CpuSample {
  timeMs: number;
  /** Domain CPU time by `domid:uuid`, so a domid reused between samples does not count as one domain. */
  cpuTimeNsByDomain: Map<string, number>;
  /** The hypervisor's domains when sampled (its array, kept until a domain comes or goes) and their CPU times. */
  domains: readonly Domain[];
  cpuTimesNs: readonly number[];
}

/**
 * xentop's CPU(%) (tools/xentop/xentop.c get_cpu_pct): CPU time used between two samples over the
 * time between them, 100 % being one pCPU. The host service samples every interval; the figure is
 * that of the last complete interval, 0 until two samples exist or for a domain the first missed.
 * A sample is stamped with the instant the hypervisor has accounted CPU time up to (its last tick),
 * not the clock's now: a sample taken between ticks would otherwise pair a late time with CPU time
 * that lags it, and the next interval would show more than its length (over 100 % of a pCPU), as
 * xentop never does since Xen's cpu_time is current when read.
 */
export class CpuUsageSampler {
  private previous: CpuSample | undefined;
  private latest: CpuSample | undefined;

  constructor(private readonly hypervisor: Hypervisor) {}

  sample(): void {
    const { latest } = this;
    const domains = this.hypervisor.domainsInOrder;
    const timeMs = this.hypervisor.accountedUntilMs;
    this.previous = latest;
    // Nothing ran since the last sample (an idle host samples every second): the same sample again.
    if (latest && latest.timeMs === timeMs && latest.domains === domains && sameCpuTimes(domains, latest))
      return;
    const cpuTimeNsByDomain = new Map<string, number>();
    const cpuTimesNs: number[] = [];
    for (const domain of domains) {
      cpuTimeNsByDomain.set(domainKey(domain.domid, domain.uuid), domain.cpuTimeNs);
      cpuTimesNs.push(domain.cpuTimeNs);
    }
    this.latest = { timeMs, cpuTimeNsByDomain, domains, cpuTimesNs };
  }

  /**
   * Whether another sample now would change nothing: the last two were taken at the instant the
   * hypervisor still has CPU time accounted to, of the same domains with the same CPU times (a
   * host that has not ticked since). Every later sample is the same until the host ticks again.
   */
  get isSettled(): boolean {
    const { previous, latest } = this;
    if (!previous || !latest || latest.timeMs !== this.hypervisor.accountedUntilMs) return false;
    if (
      previous.timeMs !== latest.timeMs ||
      previous.cpuTimeNsByDomain.size !== latest.cpuTimeNsByDomain.size
    )
      return false;
    let domainCount = 0;
    for (const domain of this.hypervisor.domains()) {
      domainCount++;
      const key = domainKey(domain.domid, domain.uuid);
      const cpuTimeNs = latest.cpuTimeNsByDomain.get(key);
      if (cpuTimeNs !== domain.cpuTimeNs || previous.cpuTimeNsByDomain.get(key) !== cpuTimeNs) return false;
    }
    return domainCount === latest.cpuTimeNsByDomain.size;
  }

  /** Length of the interval `percent` measures over, 0 before two samples. */
  get intervalMs(): number {
    if (!this.previous || !this.latest) return 0;
    return this.latest.timeMs - this.previous.timeMs;
  }

  percent(domid: number, uuid: string): number {
    if (!this.previous || !this.latest) return 0;
    const elapsedNs = (this.latest.timeMs - this.previous.timeMs) * NS_PER_MS;
    const key = domainKey(domid, uuid);
    const cpuNowNs = this.latest.cpuTimeNsByDomain.get(key);
    const cpuBeforeNs = this.previous.cpuTimeNsByDomain.get(key);
    if (elapsedNs <= 0 || cpuNowNs === undefined || cpuBeforeNs === undefined) return 0;
    return (Math.max(0, cpuNowNs - cpuBeforeNs) * PERCENT) / elapsedNs;
  }
}

/** Whether `domains` (the array `sample` saw) still have the CPU times it took. */
function sameCpuTimes(domains: readonly Domain[], sample: CpuSample): boolean {
  for (let i = 0; i < domains.length; i++) if (domains[i]!.cpuTimeNs !== sample.cpuTimesNs[i]) return false;
  return true;
}

function domainKey(domid: number, uuid: string): string {
  return `${domid}:${uuid}`;
}
