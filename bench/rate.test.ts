import { describe, it, expect } from "vitest";
import { measure, summarize, warmUp } from "./rate.js";

describe("summarize", () => {
  it("reports the rate over the elapsed time and the latency quantiles", () => {
    const latenciesMs = Array.from({ length: 100 }, (_, i) => 100 - i);
    const result = summarize(latenciesMs, 2_000);
    expect(result.opCount).toBe(100);
    expect(result.opsPerSecond).toBe(50);
    expect(result.latencyMsP50).toBe(51);
    expect(result.latencyMsP99).toBe(100);
  });

  it("reports zero for no operations", () => {
    expect(summarize([], 0)).toMatchObject({ opCount: 0, opsPerSecond: 0, latencyMsP50: 0 });
  });
});

describe("measure", () => {
  it("stops at the operation count bound, with the concurrency asked for", async () => {
    let inFlight = 0;
    let inFlightMax = 0;
    const op = async () => {
      inFlightMax = Math.max(inFlightMax, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
    };
    const options = { concurrency: 4, warmupMs: 0, durationMs: 60_000, opCountMax: 40 };
    const result = await measure(op, options);
    expect(result.opCount).toBe(40);
    expect(inFlightMax).toBe(4);
  });

  it("stops at the deadline", async () => {
    const op = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
    const result = await measure(op, { concurrency: 2, warmupMs: 0, durationMs: 50, opCountMax: 1_000 });
    expect(result.opCount).toBeGreaterThan(0);
    expect(result.opCount).toBeLessThan(100);
  });

  it("refuses options it cannot honour", async () => {
    const op = () => Promise.resolve();
    await expect(warmUp(op, { concurrency: 0, warmupMs: 1, durationMs: 1, opCountMax: 1 })).rejects.toThrow(
      /bad options/,
    );
  });
});
