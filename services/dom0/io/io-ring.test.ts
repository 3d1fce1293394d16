import { describe, expect, it } from "vitest";
import { GrantTable } from "../../core/io/grant-table.js";
import { IoRing, type IoRingSetup } from "./io-ring.js";
import { serveFair } from "./io-step.js";

const MS = 1_000_000;
const COST_NS = 1_000;

function ring(overrides: Partial<IoRingSetup> = {}): IoRing {
  return new IoRing({
    slotCount: 4,
    slotCountPerRequest: 1,
    grantCountPerRequest: 0,
    requestByteCount: 4096,
    requestCpuNs: COST_NS,
    fixedLatencyNs: 0,
    backlogCountMax: 100,
    requestsPerSecondByTag: [5000, 0], // 5 requests per ms
    ...overrides,
  });
}

describe("IoRing", () => {
  it("counts one ring-full event each time the frontend has to stop, none while it stays stopped", () => {
    const r = ring();
    r.arrive(0, MS);
    expect(r.push()).toBe(4);
    r.endStep();
    expect(r.stats()).toMatchObject({ ringFullCount: 1, requestCountInFlight: 4, slotCount: 4 });
    r.arrive(MS, MS);
    expect(r.push()).toBe(0); // still full: the backend has had no CPU
    r.endStep();
    expect(r.counters.ringFullCount).toBe(1);
    expect(r.serve(2.5 * COST_NS, 2 * MS)).toBe(2.5 * COST_NS);
    expect(r.stats().requestCountInFlight).toBe(2);
    expect(r.push()).toBe(2);
    r.serve(100 * COST_NS, 2 * MS);
    expect(r.push()).toBe(4);
    r.endStep();
    expect(r.backlogCount).toBe(0); // 10 arrived, 10 pushed: the frontend runs again
    r.arrive(3 * MS, 2 * MS);
    r.push();
    r.endStep();
    expect(r.counters.ringFullCount).toBe(2);
  });

  it("is empty again once the backend served everything, and counts requests, bytes, CPU and latency", () => {
    const r = ring({ fixedLatencyNs: 500 });
    r.arrive(0, MS);
    r.push();
    expect(r.workNs).toBe(5 * COST_NS - 0); // 4 on the ring, 1 behind it
    r.serve(100 * COST_NS, 3 * MS);
    r.push();
    r.serve(100 * COST_NS, 4 * MS);
    expect(r.hasWork).toBe(false);
    expect(r.workNs).toBe(0);
    // 4 requests waited 3 ms, 1 waited 4 ms; each took 1 µs of CPU and 0.5 µs fixed.
    expect(r.ops[0]).toEqual({
      requestCount: 5,
      byteCount: 5 * 4096,
      dom0CpuNs: 5 * COST_NS,
      latencyNsTotal: 16 * MS + 5 * 1500,
    });
    expect(r.ops[1].requestCount).toBe(0);
  });

  it("drops what does not fit in the guest's queue behind a full ring", () => {
    const r = ring({ backlogCountMax: 3 });
    r.arrive(0, 2 * MS); // 10 requests: 3 queue, 7 overflow
    expect(r.counters.overflowCount).toBe(7);
    expect(r.push()).toBe(3);
  });

  it("holds a grant entry per data page in flight and stops when max_grant_frames are used up", () => {
    const grants = new GrantTable(5, 1);
    grants.claimEntries(grants.entryCountMax - 4); // 4 entries left: 2 requests of 2 pages
    const r = ring({ slotCount: 8, grantCountPerRequest: 2, requestByteCount: 8192, grants });
    r.arrive(0, MS);
    expect(r.push()).toBe(2);
    expect(grants.entryCountFree).toBe(0);
    r.endStep();
    expect(r.counters).toMatchObject({ grantExhaustedCount: 1, ringFullCount: 0 });
    expect(r.stats().grantEntryCountInUse).toBe(4);
    r.serve(10 * COST_NS, MS);
    expect(grants.entryCountFree).toBe(4);
  });

  it("kicks the backend only when the ring was empty, and answers each batch of responses", () => {
    let kicks = 0;
    let answers = 0;
    const r = ring({ slotCount: 16, notifyBackend: () => kicks++, notifyFrontend: () => answers++ });
    r.arrive(0, MS);
    r.push();
    r.arrive(MS, MS);
    r.push(); // the ring was not empty: no kick
    r.serve(100 * COST_NS, MS);
    expect([kicks, answers]).toEqual([1, 1]);
    expect(r.counters).toMatchObject({ notifyToBackendCount: 1, notifyToFrontendCount: 1 });
  });
});

describe("serveFair", () => {
  it("shares Dom0's CPU evenly among the rings with work and gives what one leaves to the others", () => {
    const small = ring({ requestsPerSecondByTag: [1000, 0] }); // 1 request
    const large = ring({ slotCount: 64, requestsPerSecondByTag: [50_000, 0] }); // 50 requests
    const idle = ring({ requestsPerSecondByTag: [0, 0] });
    for (const r of [small, large, idle]) {
      r.arrive(0, MS);
      r.push();
    }
    const spentNs = serveFair(
      [small, large, idle].map((r) => ({ ring: r, producing: true })),
      10 * COST_NS,
      MS,
    );
    expect(spentNs).toBe(10 * COST_NS);
    expect(small.ops[0].requestCount).toBe(1);
    expect(large.ops[0].requestCount).toBe(9);
  });
});
