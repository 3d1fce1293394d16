import { describe, expect, it } from "vitest";
import { DEMAND_PHASE_NS_MIN, demandDutyFraction, demandShape } from "../../core/sched/demand/index.js";
import {
  DOM0_IO_DEMAND_LEVEL_COUNT,
  dom0DemandLevel,
  dom0DemandPeriodNs,
  dom0DemandSpec,
} from "./dom0-demand.js";

describe("Dom0's I/O demand", () => {
  it("is idle without I/O and CPU-bound when the backends need every vCPU", () => {
    expect(dom0DemandSpec(dom0DemandLevel(0))).toEqual({ kind: "idle" });
    expect(dom0DemandSpec(dom0DemandLevel(1.7))).toEqual({ kind: "cpu" });
  });

  it("asks for at least the fraction wanted, within one level, with legal burst and sleep lengths", () => {
    for (const wanted of [0.001, 0.05, 0.2, 0.5, 0.93, 0.99]) {
      const spec = dom0DemandSpec(dom0DemandLevel(wanted));
      const duty = demandDutyFraction(demandShape(spec));
      expect(duty).toBeGreaterThanOrEqual(wanted - 1e-9);
      expect(duty).toBeLessThanOrEqual(
        Math.max(wanted + 1 / DOM0_IO_DEMAND_LEVEL_COUNT, 1 / DOM0_IO_DEMAND_LEVEL_COUNT) + 1e-3,
      );
      if (spec.kind === "io") {
        expect(spec.burstNs).toBeGreaterThanOrEqual(DEMAND_PHASE_NS_MIN);
        expect(spec.sleepNs).toBeGreaterThanOrEqual(DEMAND_PHASE_NS_MIN);
      }
    }
  });

  it("sleeps in shorter cycles when a busy ring would fill during a long sleep", () => {
    expect(dom0DemandPeriodNs(4, 1e9)).toBe(10_000_000);
    expect(dom0DemandPeriodNs(4, 10_000_000)).toBe(2_000_000); // 1.5 × 7/8 × 2 ms <= 5 ms
    expect(dom0DemandPeriodNs(4, 100_000)).toBe(1_000_000); // no cycle is short enough: the shortest
    const spec = dom0DemandSpec(8, 2_000_000);
    expect(spec).toEqual({ kind: "io", burstNs: 500_000, sleepNs: 1_500_000 });
  });
});
