import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { Prng } from "../services/core/prng.js";
import { withPlacement, recordMembership } from "../services/scheduler/placement/apply.js";
import { PlacementEngine } from "../services/scheduler/placement/engine.js";
import { NoValidHostError } from "../services/scheduler/placement/errors.js";
import type { HostState, PlacementRequest } from "../services/scheduler/placement/model.js";
import { place } from "../services/scheduler/placement/pipeline.js";
import { POLICIES, type PolicyName } from "../services/scheduler/placement/policies.js";
import { syntheticHosts, syntheticRequests } from "../services/scheduler/placement/synthetic.js";
import { formatRate, formatSeconds, formatTable, type Row } from "./table.js";

// `npm run bench:placement`: issue 4, "In-process engine for scale". CloudSim Plus's published
// benchmark (docs/performance.md): 20,000 hosts, 40,000 VMs; 1.3 min first-fit, 15.7 min best-fit.
const HOST_COUNT = 20_000;
const DOMAIN_COUNT = 40_000;
const SEED = 20_000_040;
const WALL_MS_GOAL = 2_000;
/** The plain pipeline is timed on this many placements and extrapolated. */
const NAIVE_SAMPLE_COUNT = 200;

interface Outcome {
  wallMs: number;
  /** User + system CPU time: what the wall time would be on an idle core. */
  cpuMs: number;
  buildMs: number;
  failureCount: number;
  hosts: readonly HostState[];
}

function run(
  policy: PolicyName,
  hosts: readonly HostState[],
  requests: readonly PlacementRequest[],
): Outcome {
  const tieBreak = new Prng(SEED).fork(3);
  const hostIdsByGroup = new Map<string, Set<string>>();
  const cpuStart = process.cpuUsage();
  const startMs = performance.now();
  const engine = new PlacementEngine(hosts);
  const buildMs = performance.now() - startMs;
  let failureCount = 0;
  for (const request of requests) {
    try {
      const { hostId } = engine.place(request, POLICIES[policy], { hostIdsByGroup }, tieBreak);
      const host = engine.host(hostId);
      if (!host) throw new Error(`bench: placed on unknown host ${hostId}`);
      engine.upsertHost(withPlacement(host, request));
      recordMembership(hostIdsByGroup, request, hostId);
    } catch (error) {
      if (!(error instanceof NoValidHostError)) throw error;
      failureCount++;
    }
  }
  const wallMs = performance.now() - startMs;
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, buildMs, failureCount, hosts: engine.hosts() };
}

/** DomU memory over memory available to DomUs, per host: mean and max. */
function utilisation(
  before: readonly HostState[],
  after: readonly HostState[],
): { mean: number; max: number } {
  const freeBefore = new Map(before.map((host) => [host.hostId, host.memoryFreeKib]));
  let sum = 0;
  let max = 0;
  for (const host of after) {
    const available = freeBefore.get(host.hostId) ?? 0;
    const used = available > 0 ? (available - host.memoryFreeKib) / available : 0;
    sum += used;
    max = Math.max(max, used);
  }
  return { mean: after.length > 0 ? sum / after.length : 0, max };
}

function naiveRow(hosts: readonly HostState[], requests: readonly PlacementRequest[]): Row {
  const tieBreak = new Prng(SEED).fork(3);
  const startMs = performance.now();
  for (const request of requests.slice(0, NAIVE_SAMPLE_COUNT)) {
    try {
      place(hosts, request, "spread", { hostIdsByGroup: new Map() }, tieBreak);
    } catch (error) {
      if (!(error instanceof NoValidHostError)) throw error;
    }
  }
  const perPlacementMs = (performance.now() - startMs) / NAIVE_SAMPLE_COUNT;
  return {
    figure: "plain pipeline, spread (extrapolated)",
    value: formatSeconds(perPlacementMs * DOMAIN_COUNT),
    detail: `${perPlacementMs.toFixed(2)} ms per placement over ${HOST_COUNT} hosts, timed on ${NAIVE_SAMPLE_COUNT}`,
  };
}

function main(): void {
  const prng = new Prng(SEED);
  const hosts = syntheticHosts(HOST_COUNT, prng.fork(1));
  const requests = syntheticRequests(DOMAIN_COUNT, prng.fork(2));
  const rows: Row[] = [];
  for (const policy of Object.keys(POLICIES) as PolicyName[]) {
    const outcome = run(policy, hosts, requests);
    const used = utilisation(hosts, outcome.hosts);
    const placedCount = DOMAIN_COUNT - outcome.failureCount;
    rows.push({
      figure: `${policy}: ${DOMAIN_COUNT} domains on ${HOST_COUNT} hosts`,
      value: formatSeconds(outcome.wallMs),
      goal: `< ${formatSeconds(WALL_MS_GOAL)}`,
      met: outcome.wallMs < WALL_MS_GOAL,
      detail:
        `${formatRate((DOMAIN_COUNT / outcome.wallMs) * 1000)} placements; ${placedCount} placed, ` +
        `${outcome.failureCount} NoValidHost; memory used mean ${(used.mean * 100).toFixed(1)} %, ` +
        `max ${(used.max * 100).toFixed(1)} %; CPU ${formatSeconds(outcome.cpuMs)}, ` +
        `index built in ${outcome.buildMs.toFixed(0)} ms`,
    });
  }
  rows.push(naiveRow(hosts, requests));
  const [load] = loadavg();
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, load average ${load?.toFixed(1)}; seed ${SEED}`,
  );
  console.log(formatTable(rows));
}

main();
