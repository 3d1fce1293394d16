import { describe, expect, it } from "vitest";
import { runSimulation } from "../../core/simulation.js";
import { Prng } from "../../core/prng.js";
import { populateAll } from "../../core/workload/index.js";
import { createPolicy } from "../precopy/create-policy.js";
import { UNLIMITED_BANDWIDTH, FixedBandwidthLimit } from "../precopy/bandwidth.js";
import { PageChecksumError } from "../stream/errors.js";
import { StreamSender, type SenderProgress } from "./sender.js";
import { StreamReceiver } from "./receiver.js";
import { senderDomainOf } from "./domain-image.js";
import { faultyWrappers } from "../fault/faulty-wrappers.js";
import { createGuest, receiverSink, simPair, simScheduler } from "./sim-harness.js";

function migrateInProcess(
  seed: number,
  workload: string,
  options: {
    live?: boolean;
    bandwidthBytesPerSecond?: number;
    corrupt?: boolean;
    onProgress?: (progress: SenderProgress) => void;
  } = {},
) {
  const pair = simPair(seed);
  const guest = createGuest(pair.source, "g", 16, workload);
  const memory = pair.source.domainOf(guest).memory;
  populateAll(memory, new Prng(seed));
  const incoming = pair.destination.create(guest.config, { paused: true, nameOverride: "g--incoming" });
  const incomingMemory = pair.destination.domainOf(incoming).memory;
  const receiver = new StreamReceiver(() => incomingMemory);
  const plan = {
    domain: "g",
    corruptPage: options.corrupt ?? false,
    stallAfterPauseMs: 0,
    stallBeforeHandoverMs: 0,
  };
  const wrappers = faultyWrappers(plan, simScheduler(pair.clock));
  const sender = new StreamSender(senderDomainOf(pair.source, guest), wrappers.sink(receiverSink(receiver)), {
    clock: pair.clock,
    scheduler: simScheduler(pair.clock),
    policy: createPolicy("xen"),
    bandwidth: options.bandwidthBytesPerSecond
      ? new FixedBandwidthLimit(options.bandwidthBytesPerSecond)
      : UNLIMITED_BANDWIDTH,
    autoConverge: undefined,
    live: options.live ?? true,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    pair,
    guest,
    memory,
    incomingMemory,
    receiver,
    run: () => runSimulation(pair.clock, sender.run()),
  };
}

describe("StreamSender → StreamReceiver in one process", () => {
  it("moves an idle, fully populated guest in one live round plus stop-and-copy, byte for byte", async () => {
    const m = migrateInProcess(1, "idle");
    const result = await m.run();
    m.pair.stopTicks();
    expect(m.receiver.isEnded).toBe(true);
    expect(m.incomingMemory.checksum()).toBe(m.memory.checksum());
    expect(result.rounds.map((r) => r.stopAndCopy)).toEqual([false, true]);
    expect(result.rounds[0]!.pageCountSent).toBe(4096);
    expect(result.rounds[1]!.pageCountSent).toBe(0);
    expect(m.receiver.finish().pageCountVerified).toBe(result.pageCountNormal);
    expect(m.pair.source.domainOf(m.guest).paused).toBe(true);
  });

  it("keeps dirtying during pre-copy and still arrives identical to the paused source", async () => {
    const m = migrateInProcess(2, "uniform:rate=20000", { bandwidthBytesPerSecond: 32 * 1024 * 1024 });
    const result = await m.run();
    m.pair.stopTicks();
    expect(result.rounds.length).toBeGreaterThan(2);
    expect(result.rounds[1]!.pageCountSent).toBeGreaterThan(0);
    expect(m.incomingMemory.checksum()).toBe(m.memory.checksum());
    expect(result.downtimeBytes).toBeGreaterThan(0);
    expect(m.memory.isLogDirty()).toBe(false);
  });

  it("reports QEMU's expected-downtime estimate during the live rounds, from the last sync on", async () => {
    const progress: SenderProgress[] = [];
    const m = migrateInProcess(2, "uniform:rate=20000", {
      bandwidthBytesPerSecond: 32 * 1024 * 1024,
      onProgress: (p) => progress.push({ ...p }),
    });
    const result = await m.run();
    m.pair.stopTicks();
    const live = result.rounds.filter((r) => !r.stopAndCopy);
    expect(live.length).toBeGreaterThanOrEqual(2);
    const during = (round: number) => progress.filter((p) => p.phase === "active" && p.round === round);
    expect(
      during(1).map((p) => p.expectedDowntimeEstimateMs),
      "no sync yet: no estimate",
    ).toEqual(during(1).map(() => 0));
    for (const [index, previous] of live.slice(0, -1).entries()) {
      const estimate = (previous.pageCountDirtiedDuring * 4096 * previous.durationMs) / previous.bytesSent;
      expect(estimate).toBeGreaterThan(0);
      for (const p of during(index + 2)) expect(p.expectedDowntimeEstimateMs).toBeCloseTo(estimate, 9);
    }
    const last = live.at(-1)!;
    const finalPages = result.rounds.at(-1)!.pageCountSent;
    expect(
      result.expectedDowntimeEstimateMs,
      "at stop-and-copy: the final set at the last live rate",
    ).toBeCloseTo((finalPages * 4096 * last.durationMs) / last.bytesSent, 9);
  });

  it("non-live: pauses first and copies once", async () => {
    const m = migrateInProcess(3, "uniform:rate=20000", {
      live: false,
      bandwidthBytesPerSecond: 64 * 1024 * 1024,
    });
    const result = await m.run();
    m.pair.stopTicks();
    expect(result.rounds).toHaveLength(1);
    expect(result.rounds[0]!.stopAndCopy).toBe(true);
    expect(m.incomingMemory.checksum()).toBe(m.memory.checksum());
  });

  it("refuses a corrupted page before writing it", async () => {
    const m = migrateInProcess(4, "idle", { corrupt: true });
    await expect(m.run()).rejects.toBeInstanceOf(PageChecksumError);
    m.pair.stopTicks();
    expect(m.receiver.isEnded).toBe(false);
  });
});
