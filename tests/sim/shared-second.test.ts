import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../services/sim/scenario.js";
import { runScenario } from "../../services/cli/sim-command.js";

/**
 * The shared second (services/host/shared-second.ts) changes what an idle host costs, never what
 * happens: every scenario of this folder prints the same records with each idle host's seconds on
 * one timer for all (every repeat checked against a heartbeat made afresh) as with each host's own.
 */

const SCENARIO_TIMEOUT_MS = 240_000;
const FOLDER = "tests/sim";

describe("xsim sim with and without the shared second", () => {
  for (const name of readdirSync(FOLDER)
    .filter((f) => f.endsWith(".sim"))
    .sort()) {
    it(
      `${name}: the same records`,
      async () => {
        const file = `${FOLDER}/${name}`;
        const scenario = () =>
          parseScenario(readFileSync(file, "utf8"), file, (path) => readFileSync(path, "utf8"));
        const shared = await runScenario(scenario(), { checkSharedSeconds: true });
        const own = await runScenario(scenario(), { sharedSecond: false });
        expect(shared.length).toBeGreaterThan(0);
        expect(shared).toEqual(own);
      },
      SCENARIO_TIMEOUT_MS,
    );
  }
});
