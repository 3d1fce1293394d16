import { describe, expect, it } from "vitest";
import { eachRunRow, medianRun } from "./median-run.js";
import type { IdleClusterFigures } from "./simcluster.js";

const run = (wallMs: number): IdleClusterFigures => ({
  hostCount: 1000,
  simulatedMs: 600_000,
  wallMs,
  cpuMs: wallMs,
  timerCountFired: 0,
  messageCountRelayed: 0,
  messageCountSent: 0,
  sharedSecondCount: 0,
});

describe("the idle goal's median of runs", () => {
  it("takes the run of median rate, not of median time or the first", () => {
    const runs = [run(550), run(660), run(540)];
    expect(medianRun(runs)).toBe(runs[0]);
    expect(medianRun([run(500), run(600)]).wallMs).toBe(600); // even: the lower rate of the middle two
    expect(() => medianRun([])).toThrow(/no runs/);
  });

  it("lists every run's rate in the order run", () => {
    const row = eachRunRow([run(550), run(660), run(540)]);
    expect(row.figure).toMatch(/each of its 3 runs/);
    expect(row.value).toBe("1091, 909, 1111");
  });
});
