import { describe, expect, it } from "vitest";
import type { SamplerRead } from "../../../services/wiring/domain-sampler.js";
import { arrivalOf, departureOf, isRunning, readRates, runningDoubles } from "./double-run-sampler.js";

const DOM0: [number, string, string, string] = [0, "Domain-0", "u0", "r-----"];
const RUNNING = "-b----";
const PAUSED = "--p---";

/** A read of `host` sent at `atMs`, answered 5 ms later. */
function read(host: string, atMs: number, ...domains: Array<[number, string, string, string]>): SamplerRead {
  return { host, sentMs: atMs, receivedMs: atMs + 5, domains: [DOM0, ...domains] };
}

/** `count` reads of `host` every 50 ms from `fromMs`, each listing `domains`. */
function reads(
  host: string,
  fromMs: number,
  count: number,
  ...domains: Array<[number, string, string, string]>
): SamplerRead[] {
  return Array.from({ length: count }, (_, i) => read(host, fromMs + i * 50, ...domains));
}

describe("isRunning", () => {
  it("is false for xl's paused, shutdown, crashed and dying flags", () => {
    expect(["r-----", "-b----", "------"].map(isRunning)).toEqual([true, true, true]);
    expect(["--p---", "---s--", "----c-", "-----d"].map(isRunning)).toEqual([false, false, false, false]);
  });
});

describe("runningDoubles", () => {
  it("finds a guest that runs on two hosts over the same reads, by name and by uuid", () => {
    const found = runningDoubles([
      ...reads("a", 0, 6, [3, "web", "u1", RUNNING]),
      ...reads("b", 20, 6, [7, "web", "u1", RUNNING]),
    ]);
    expect(found).toContain("name web ran on a and b at 1970-01-01T00:00:00.070Z");
    expect(found).toContain("uuid u1 ran on b and a at 1970-01-01T00:00:00.100Z");
  });

  it("counts a migration copy under its plain name (NAME--incoming running is a double)", () => {
    const found = runningDoubles([
      ...reads("a", 0, 6, [3, "db", "u1", RUNNING]),
      ...reads("b", 20, 6, [7, "db--incoming", "u2", RUNNING]),
    ]);
    expect(found.some((d) => d.startsWith("name db ran on a and b"))).toBe(true);
  });

  it("finds nothing in a clean migration: paused on the source while the destination runs it", () => {
    const found = runningDoubles([
      ...reads("a", 0, 4, [3, "db", "u1", RUNNING]),
      ...reads("a", 200, 4, [3, "db--migratedaway", "u1", PAUSED]),
      ...reads("b", 20, 5, [7, "db--incoming", "u1", PAUSED]),
      ...reads("b", 270, 4, [7, "db", "u1", RUNNING]),
    ]);
    expect(found).toEqual([]);
  });

  it("does not call one read racing a handover a double: A's run was not seen on both sides of B's read", () => {
    // a's last read with db running is sent at 0, b's first read with it running at 3 (reads overlap).
    const found = runningDoubles([
      read("a", -50, [3, "db", "u1", RUNNING]),
      read("a", 0, [3, "db", "u1", RUNNING]),
      read("a", 50),
      read("b", 3, [7, "db", "u1", RUNNING]),
      read("b", 53, [7, "db", "u1", RUNNING]),
    ]);
    expect(found).toEqual([]);
  });

  it("does not join two runs of different domids on one host into one span", () => {
    const found = runningDoubles([
      read("a", 0, [3, "web", "u1", RUNNING]),
      read("a", 100, [4, "web", "u1", RUNNING]),
      read("b", 40, [9, "web", "u1", RUNNING]),
    ]);
    expect(found).toEqual([]);
  });

  it("skips failed reads and Dom0, which every host runs", () => {
    const failed: SamplerRead = { host: "b", sentMs: 30, receivedMs: 40, error: "UNAVAILABLE" };
    expect(runningDoubles([...reads("a", 0, 4), ...reads("b", 10, 4), failed])).toEqual([]);
  });
});

describe("readRates", () => {
  it("measures each host's successful reads per second, failures and the longest gap", () => {
    const failed: SamplerRead = { host: "b", sentMs: 120, receivedMs: 130, error: "gone" };
    const rates = readRates([...reads("a", 0, 11), read("b", 0), read("b", 300), failed]);
    expect(rates).toEqual([
      { host: "a", reads: 11, failed: 0, perSecond: 20, medianGapMs: 50, longestGapMs: 50 },
      { host: "b", reads: 2, failed: 1, perSecond: 1000 / 300, medianGapMs: 300, longestGapMs: 300 },
    ]);
  });
});

describe("arrivalOf and departureOf", () => {
  const history = [
    ...reads("h1", 0, 3, [1, "ha1", "u1", RUNNING]),
    ...reads("h1", 150, 3),
    ...reads("h2", 10, 6),
    ...reads("h2", 310, 2, [5, "ha1", "u1", RUNNING]),
    ...reads("h3", 20, 9),
  ];

  it("brackets the first appearance on any of the hosts by the reads before and at it", () => {
    expect(arrivalOf(history, ["h2", "h3"], "ha1")).toEqual({
      host: "h2",
      absentSentMs: 260,
      presentSentMs: 310,
    });
    expect(arrivalOf(history, ["h3"], "ha1")).toBeUndefined();
  });

  it("gives the receipt of the first read without the guest after its last read with it", () => {
    expect(departureOf(history, "h1", "ha1")).toBe(155);
    expect(departureOf(history, "h3", "ha1")).toBeUndefined();
  });
});
