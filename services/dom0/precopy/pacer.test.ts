import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../core/clock.js";
import { MIB } from "../../core/units.js";
import { Pacer, PACER_BURST_BYTES } from "./pacer.js";

/** Sends `totalBytes` in `chunkBytes` pieces, waiting on the simulated clock as told; returns the ms taken. */
function sendPaced(
  clock: SimulatedClock,
  pacer: Pacer,
  totalBytes: number,
  chunkBytes: number,
  limit: number,
): number {
  const startMs = clock.nowMs();
  for (let sent = 0; sent < totalBytes; sent += chunkBytes) {
    clock.advanceMs(pacer.delayMsFor(Math.min(chunkBytes, totalBytes - sent), limit));
  }
  return clock.nowMs() - startMs;
}

describe("Pacer", () => {
  it("uses a 1 MiB burst by default", () => {
    expect(PACER_BURST_BYTES).toBe(MIB);
    expect(new Pacer(new SimulatedClock()).burstByteCount).toBe(MIB);
  });

  it("sends 10 MB at 1 MB/s in about 10 s of simulated time (within one burst)", () => {
    const clock = new SimulatedClock();
    const elapsedMs = sendPaced(clock, new Pacer(clock), 10_000_000, 64 * 1024, 1_000_000);
    expect(elapsedMs).toBeGreaterThanOrEqual(10_000 - (PACER_BURST_BYTES / 1_000_000) * 1000 - 1);
    expect(elapsedMs).toBeLessThanOrEqual(10_000);
  });

  it("never lets the average exceed the limit over a long transfer", () => {
    const clock = new SimulatedClock();
    const elapsedMs = sendPaced(clock, new Pacer(clock), 100_000_000, 4 * MIB, 10_000_000);
    const averageBytesPerSecond = 100_000_000 / (elapsedMs / 1000);
    expect(averageBytesPerSecond).toBeLessThanOrEqual(
      10_000_000 + PACER_BURST_BYTES / (elapsedMs / 1000) + 1,
    );
    expect(averageBytesPerSecond).toBeGreaterThan(9_900_000);
  });

  it("lets a burst through without waiting, then makes the sender wait for the excess", () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer(clock, 1000);
    expect(pacer.delayMsFor(1000, 100)).toBe(0);
    expect(pacer.delayMsFor(50, 100)).toBe(500);
  });

  it("refills while idle but never beyond the burst", () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer(clock, 1000);
    pacer.delayMsFor(1000, 100);
    clock.advanceMs(60_000);
    expect(pacer.delayMsFor(1000, 100)).toBe(0);
    expect(pacer.delayMsFor(100, 100)).toBe(1000);
  });

  it("does not delay under an unlimited rate", () => {
    const clock = new SimulatedClock();
    const pacer = new Pacer(clock, 1000);
    expect(pacer.delayMsFor(1e12, Infinity)).toBe(0);
    expect(pacer.delayMsFor(1000, 100)).toBe(0);
  });

  it("treats a zero limit or negative byte count as a bug", () => {
    const pacer = new Pacer(new SimulatedClock());
    expect(() => pacer.delayMsFor(10, 0)).toThrow(/limit 0/);
    expect(() => pacer.delayMsFor(-1, 10)).toThrow(/byteCount -1/);
  });
});
