import { parseArgs } from "node:util";
import { ALL_FAULTS, type FaultKind } from "./actions.js";
import { formatResult, runVopr } from "./vopr.js";
import { addHaSummaries, formatHaSummary, type HaSummary } from "./checkers.js";
import { HA_MODES, type HaMode } from "./ha-setting.js";

export const VOPR_STEP_COUNT_DEFAULT = 200;

const USAGE =
  "usage: npm run vopr -- [--seed N] [--seeds K] [--steps S] [--faults kill-host,stall-host,...|all|none] [--ha on|off|toggle] [--cancel]";

function count(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${flag} ${text}: not an integer >= ${min}`);
  return value;
}

function haModeFrom(text: string): HaMode {
  if (!(HA_MODES as readonly string[]).includes(text))
    throw new Error(`--ha ${text}: not one of ${HA_MODES.join(", ")}`);
  return text as HaMode;
}

function faultsFrom(text: string): FaultKind[] {
  if (text === "all") return [...ALL_FAULTS];
  if (text === "none") return [];
  const kinds = text.split(",").map((s) => s.trim());
  for (const kind of kinds)
    if (!(ALL_FAULTS as readonly string[]).includes(kind))
      throw new Error(`--faults: unknown fault "${kind}" (known: ${ALL_FAULTS.join(", ")})`);
  return kinds as FaultKind[];
}

/**
 * `npm run vopr -- --seed N [--seeds K] [--steps S] [--ha on|off|toggle]`: runs seeds N..N+K-1;
 * exit 1 if any fails. `--ha` (ha-setting.ts): on from the start (the default), off, or switched
 * by the user during the run. `--cancel`: the user also cancels migrations (actions.ts).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "1" },
      seeds: { type: "string", default: "1" },
      steps: { type: "string", default: String(VOPR_STEP_COUNT_DEFAULT) },
      faults: { type: "string", default: "all" },
      ha: { type: "string", default: "on" },
      cancel: { type: "boolean", default: false },
    },
  });
  const first = count(values.seed, "--seed", 0);
  const seedCount = count(values.seeds, "--seeds", 1);
  const stepCount = count(values.steps, "--steps", 1);
  const faults = faultsFrom(values.faults);
  const ha = haModeFrom(values.ha);
  let failedCount = 0;
  let passedHa: HaSummary | undefined;
  for (let seed = first; seed < first + seedCount; seed++) {
    const result = await runVopr({ seed, stepCount, faults: new Set(faults), ha, cancels: values.cancel });
    if (result.violations.length > 0) failedCount++;
    else passedHa = passedHa ? addHaSummaries(passedHa, result.ha) : result.ha;
    process.stdout.write(`${formatResult(result, stepCount, faults)}\n`);
  }
  process.stdout.write(`${seedCount - failedCount} of ${seedCount} seeds passed\n`);
  if (passedHa) process.stdout.write(`over the seeds that passed: ${formatHaSummary(passedHa)}\n`);
  return failedCount === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vopr: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  },
);
