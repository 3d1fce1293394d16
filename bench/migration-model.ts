import { createPolicy } from "../services/dom0/precopy/create-policy.js";
import { simulatePrecopyModel, type PrecopyModelResult } from "../services/dom0/precopy/model.js";
import { firstRoundRateOf } from "./migration-report.js";
import type { MigrationRun, Scenario } from "./migration-scenario.js";
import { median } from "./summary.js";

/**
 * The analytic pre-copy model for a scenario with a uniform-random working set, fed the measured
 * round-1 bandwidth (median of the completed runs) and the scenario's own policy.
 */
export function modelFor(
  scenario: Scenario,
  runs: readonly MigrationRun[],
  memoryBytes: number,
): { model: PrecopyModelResult | undefined; bandwidth: number } {
  const completed = runs.filter((run) => run.stats.status === "completed");
  const bandwidth = median(completed.map((run) => firstRoundRateOf(run.stats)));
  if (!scenario.dirtying || !(bandwidth > 0)) return { model: undefined, bandwidth };
  const policyOptions = scenario.downtimeLimitMs > 0 ? { downtimeLimitMs: scenario.downtimeLimitMs } : {};
  const model = simulatePrecopyModel({
    memoryBytes,
    bandwidthBytesPerSecond: bandwidth,
    dirtyBytesPerSecond: scenario.dirtying.dirtyBytesPerSecond,
    dirtying: "uniform-random",
    workingSetBytes: scenario.dirtying.workingSetBytes,
    policy: createPolicy(scenario.policy, policyOptions),
  });
  return { model, bandwidth };
}
