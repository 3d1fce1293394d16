import { Prng } from "../prng.js";
import { createSchedPolicy } from "./create-policy.js";
import { demandShape, parseCpuDemandSpec } from "./demand/index.js";
import { HostScheduler } from "./host-scheduler.js";
import type { SchedulerName } from "./policy.js";
import type { RtdsVcpuParams } from "./rtds/unit.js";

/** A domain for a seeded scheduler test: CPU-bound, weight 256, no cap, one vCPU unless told. */
export interface TestDomain {
  domid: number;
  weight?: number;
  cap?: number;
  demand?: string;
  vcpus?: number;
  pin?: readonly number[];
  /** RTDS period, budget and extratime of each vCPU (defaults where absent). */
  rtds?: readonly RtdsVcpuParams[];
}

const NS_PER_MS = 1_000_000;

/** A host scheduler with the domains running (online, unpaused), their PRNGs forked from `seed`. */
export function testHost(
  scheduler: SchedulerName,
  pcpuCount: number,
  domains: readonly TestDomain[],
  seed = 1,
): HostScheduler {
  const host = new HostScheduler(pcpuCount, createSchedPolicy(scheduler));
  const prng = new Prng(seed);
  for (const domain of domains) {
    const vcpus = domain.vcpus ?? 1;
    host.addDomain(domain.domid, {
      vcpuCountMax: vcpus,
      params: {
        weight: domain.weight ?? 256,
        cap: domain.cap ?? 0,
        ...(domain.rtds !== undefined ? { rtds: domain.rtds } : {}),
      },
      demand: demandShape(parseCpuDemandSpec(domain.demand ?? "cpu")),
      prng: prng.fork(domain.domid),
    });
    if (domain.pin) host.pin(domain.domid, "all", domain.pin);
    host.setVcpusOnline(domain.domid, vcpus);
    host.setDomainActive(domain.domid, true);
  }
  return host;
}

/** Advances `durationMs` in steps of `stepMs`, calling `check` after each step. */
export function runFor(host: HostScheduler, durationMs: number, stepMs = 10, check?: () => void): void {
  for (let doneMs = 0; doneMs < durationMs; doneMs += stepMs) {
    host.advance(Math.min(stepMs, durationMs - doneMs) * NS_PER_MS);
    check?.();
  }
}

export function cpuSeconds(host: HostScheduler, domid: number): number {
  return host.domainCpuTimeNs(domid) / 1e9;
}
