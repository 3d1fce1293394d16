import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../sim/scenario.js";
import { formatRecords, runScenario } from "./sim-command.js";

const FILE = "tests/sim/ha-restart.sim";

async function run(): Promise<string> {
  const scenario = parseScenario(readFileSync(FILE, "utf8"), FILE, (p) => readFileSync(p, "utf8"));
  return formatRecords(await runScenario(scenario));
}

describe("xsim sim", () => {
  it("runs migration, evacuation and an HA restart in one process, the same output for the same seed", async () => {
    const output = await run();
    expect(output).toMatch(/status: completed/);
    expect(output).toMatch(/host-evacuate h3: done/);
    expect(output).toMatch(/HA: restarted db \(restart\) on h[13]/);
    expect(output).toMatch(/\] xsim: Name +ID/);
    expect(await run()).toBe(output);
  }, 120_000);

  it("names file:line for a bad line", () => {
    expect(() => parseScenario("host h1\nat 1s fly away\n", "x.sim", () => "")).toThrow(
      /x\.sim:2: unknown operation "fly"/,
    );
  });
});
