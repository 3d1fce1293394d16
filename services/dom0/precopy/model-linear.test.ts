import { describe, expect, it } from "vitest";
import { GIB } from "../../core/units.js";
import { PrecopyOptionError } from "./errors.js";
import { linearModel, linearPrecopyRoundCount } from "./model-linear.js";

// comparables.md §5: M = 4 GiB, B = 125 MB/s, D = 50 MB/s (λ = 0.4), QEMU limit 300 ms -> V_th = 37.5 MB.
const VECTOR = {
  memoryBytes: 4 * GIB,
  bandwidthBytesPerSecond: 125e6,
  dirtyBytesPerSecond: 50e6,
  thresholdBytes: 37.5e6,
  iterationCountMax: 30,
};

describe("linear closed-form model", () => {
  it("reproduces the comparables vector: n = 6, 7 146 550 703 B, 57.17 s, 0.1407 s", () => {
    const result = linearModel(VECTOR);
    expect(result.precopyRoundCount).toBe(6);
    expect(Math.round(result.bytesSentTotal)).toBe(7_146_550_703);
    expect(result.totalMs / 1000).toBeCloseTo(57.17, 2);
    expect(result.downtimeMs / 1000).toBeCloseTo(0.1407, 4);
  });

  it("lists V_0..V_n with V_0 = M, the last below the threshold and the one before above it", () => {
    const { roundBytes } = linearModel(VECTOR);
    expect(roundBytes).toHaveLength(7);
    expect(roundBytes[0]).toBe(4 * GIB);
    expect(roundBytes[6]).toBeLessThanOrEqual(37.5e6);
    expect(roundBytes[5]).toBeGreaterThan(37.5e6);
    expect(roundBytes.reduce((a, b) => a + b, 0)).toBeCloseTo(linearModel(VECTOR).bytesSentTotal, 0);
  });

  it("hits n_max when λ >= 1 and sends (n + 1) M at λ = 1", () => {
    expect(linearPrecopyRoundCount({ ...VECTOR, dirtyBytesPerSecond: 250e6, iterationCountMax: 5 })).toBe(5);
    const even = linearModel({ ...VECTOR, dirtyBytesPerSecond: 125e6, iterationCountMax: 5 });
    expect(even.bytesSentTotal).toBe(6 * 4 * GIB);
  });

  it("caps n at n_max for a slowly converging guest", () => {
    expect(linearPrecopyRoundCount({ ...VECTOR, iterationCountMax: 5 })).toBe(5);
  });

  it("always sends the full copy live, even when nothing is dirtied", () => {
    const idle = linearModel({ ...VECTOR, dirtyBytesPerSecond: 0 });
    expect(idle.precopyRoundCount).toBe(1);
    expect(idle.downtimeMs).toBe(0);
    expect(idle.bytesSentTotal).toBe(4 * GIB);
  });

  it("refuses bad inputs with a named error", () => {
    expect(() => linearModel({ ...VECTOR, bandwidthBytesPerSecond: 0 })).toThrow(PrecopyOptionError);
    expect(() => linearModel({ ...VECTOR, iterationCountMax: 2.5 })).toThrow(/iterationCountMax 2.5/);
  });
});
