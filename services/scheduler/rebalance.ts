import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";

/** CloudSim's static-threshold policy defaults: over 90 % is overloaded, under 35 % underused. */
export const REBALANCE_HIGH_PERCENT_DEFAULT = 90;
export const REBALANCE_LOW_PERCENT_DEFAULT = 35;
/** Moves one plan may hold. */
export const REBALANCE_MOVE_COUNT_MAX = 256;

export interface PlannedMove {
  domain: string;
  fromHostId: string;
  toHostId: string;
  reason: string;
}

interface Load {
  host: HostEntry;
  memoryUsedKib: number;
  vcpusUsed: number;
}

/**
 * A migration plan from thresholds on memory and CPU (vCPUs allocated per pCPU, until vCPU
 * scheduling reports measured load): overloaded hosts shed their smallest domains until under the
 * high mark (CloudSim's minimum-migration-time choice); underused hosts are emptied onto hosts
 * that stay under the high mark, so they can be switched off. Destinations by best fit.
 */
export function planRebalance(scheduler: Scheduler, highPercent: number, lowPercent: number): PlannedMove[] {
  const hosts = scheduler.view.upHosts().filter((h) => !scheduler.disabledHosts.has(h.hostId));
  const loads = new Map<string, Load>(hosts.map((h) => [h.hostId, load(h)]));
  const moves: PlannedMove[] = [];
  const utilisation = (l: Load) => Math.max(memoryPercent(l), cpuPercent(l));
  for (const source of [...loads.values()].filter((l) => utilisation(l) > highPercent)) {
    const domains = domUs(source.host).sort((a, b) => a.memoryKib - b.memoryKib);
    for (const domain of domains) {
      if (utilisation(source) <= highPercent || moves.length >= REBALANCE_MOVE_COUNT_MAX) break;
      const target = bestFit(loads, source, domain, highPercent);
      if (!target) continue;
      shift(source, target, domain);
      moves.push({
        domain: domain.name,
        fromHostId: source.host.hostId,
        toHostId: target.host.hostId,
        reason: `${source.host.hostId} over ${highPercent} %`,
      });
    }
  }
  for (const source of [...loads.values()].filter(
    (l) => utilisation(l) < lowPercent && domUs(l.host).length > 0,
  )) {
    const planned: Array<[DomainInfo, Load]> = [];
    for (const domain of domUs(source.host)) {
      const target = bestFit(loads, source, domain, highPercent, lowPercent);
      if (!target) break;
      planned.push([domain, target]);
      shift(source, target, domain);
    }
    if (planned.length < domUs(source.host).length) {
      for (const [domain, target] of planned) shift(target, source, domain);
      continue;
    }
    for (const [domain, target] of planned) {
      moves.push({
        domain: domain.name,
        fromHostId: source.host.hostId,
        toHostId: target.host.hostId,
        reason: `${source.host.hostId} under ${lowPercent} %: consolidate`,
      });
    }
  }
  return moves;
}

function load(host: HostEntry): Load {
  const beat = host.heartbeat;
  return { host, memoryUsedKib: beat.totalMemoryKib - beat.freeMemoryKib, vcpusUsed: beat.vcpusAllocated };
}

function memoryPercent(l: Load): number {
  return (100 * l.memoryUsedKib) / Math.max(1, l.host.heartbeat.totalMemoryKib);
}

function cpuPercent(l: Load): number {
  return (100 * l.vcpusUsed) / Math.max(1, l.host.heartbeat.pcpus);
}

function domUs(host: HostEntry): DomainInfo[] {
  return [...host.domains.values()].filter((d) => d.domid !== 0 && !d.name.includes("--"));
}

function bestFit(
  loads: Map<string, Load>,
  source: Load,
  domain: DomainInfo,
  highPercent: number,
  lowPercent = -1,
): Load | undefined {
  let best: Load | undefined;
  for (const candidate of loads.values()) {
    if (candidate === source) continue;
    if (lowPercent >= 0 && Math.max(memoryPercent(candidate), cpuPercent(candidate)) < lowPercent) continue;
    if (domain.type === "hvm" && !candidate.host.heartbeat.hvm) continue;
    const after = {
      ...candidate,
      memoryUsedKib: candidate.memoryUsedKib + domain.memoryKib,
      vcpusUsed: candidate.vcpusUsed + domain.vcpusOnline,
    };
    if (memoryPercent(after) > highPercent || cpuPercent(after) > highPercent) continue;
    if (!best || candidate.memoryUsedKib > best.memoryUsedKib) best = candidate;
  }
  return best;
}

function shift(from: Load, to: Load, domain: DomainInfo): void {
  from.memoryUsedKib -= domain.memoryKib;
  from.vcpusUsed -= domain.vcpusOnline;
  to.memoryUsedKib += domain.memoryKib;
  to.vcpusUsed += domain.vcpusOnline;
}
