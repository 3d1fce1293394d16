import { describe, expect, it } from "vitest";
import { runSimulation } from "../../core/simulation.js";
import { Prng } from "../../core/prng.js";
import { populateAll } from "../../core/workload/index.js";
import { createPolicy } from "../precopy/create-policy.js";
import { FixedBandwidthLimit } from "../precopy/bandwidth.js";
import { AutoConverge } from "../precopy/auto-converge.js";
import { setDomainSchedParams } from "../sched-params.js";
import { StreamSender, type SenderResult } from "./sender.js";
import { StreamReceiver } from "./receiver.js";
import { senderDomainOf } from "./domain-image.js";
import { createGuest, receiverSink, simPair, simScheduler } from "./sim-harness.js";

const GUEST_MEMORY_MIB = 4;
/** Uniform random writes at 2.4 x what the link carries: plain pre-copy cannot catch up. */
const DIRTY_WORKLOAD = "uniform:rate=2500";
const BANDWIDTH_BYTES_PER_SECOND = 4 * 1024 * 1024;
const DOWNTIME_LIMIT_MS = 30;
const ITERATION_COUNT_MAX = 40;

/** The dirty-heavy guest migrated under the qemu policy, with or without auto-converge. */
async function migrate(seed: number, autoConverge: boolean): Promise<SenderResult> {
  const pair = simPair(seed);
  const guest = createGuest(pair.source, "g", GUEST_MEMORY_MIB, DIRTY_WORKLOAD);
  const memory = pair.source.domainOf(guest).memory;
  populateAll(memory, new Prng(seed));
  const incoming = pair.destination.create(guest.config, { paused: true, nameOverride: "g--incoming" });
  const incomingMemory = pair.destination.domainOf(incoming).memory;
  const receiver = new StreamReceiver(() => incomingMemory);
  const sender = new StreamSender(senderDomainOf(pair.source, guest), receiverSink(receiver), {
    clock: pair.clock,
    scheduler: simScheduler(pair.clock),
    policy: createPolicy("qemu", {
      downtimeLimitMs: DOWNTIME_LIMIT_MS,
      iterationCountMax: ITERATION_COUNT_MAX,
      completionTimeoutMsPerGib: 0,
      onLimit: "stop-and-copy",
    }),
    bandwidth: new FixedBandwidthLimit(BANDWIDTH_BYTES_PER_SECOND),
    autoConverge: autoConverge ? new AutoConverge() : undefined,
    live: true,
  });
  const result = await runSimulation(pair.clock, sender.run());
  pair.stopTicks();
  expect(incomingMemory.checksum()).toBe(memory.checksum());
  return result;
}

/** Pages dirtied per second of a live round, as the round measured it. */
function dirtyPagesPerSecond(result: SenderResult, round: number): number {
  const report = result.rounds[round - 1]!;
  return (report.pageCountDirtiedDuring * 1000) / report.durationMs;
}

describe("a guest's dirty rate follows the CPU it gets (issue 6, interplay with migration)", () => {
  it("a guest capped by the scheduler dirties fewer pages than the same guest uncapped", async () => {
    const dirtied: number[] = [];
    for (const cap of [0, 25]) {
      const pair = simPair(21);
      const guest = createGuest(pair.source, "g", GUEST_MEMORY_MIB, DIRTY_WORKLOAD);
      if (cap > 0) setDomainSchedParams(pair.source, pair.source.hypervisor.schedulerName, "g", { cap });
      const memory = pair.source.domainOf(guest).memory;
      memory.enableLogDirty();
      await runSimulation(pair.clock, new Promise<void>((resolve) => pair.clock.setTimer(200, resolve)));
      dirtied.push(memory.cleanDirty().length);
      pair.stopTicks();
    }
    const [uncapped, capped] = dirtied as [number, number];
    // 200 ms at 2500 pages/s touches ~400 of 1024 pages; a quarter of the CPU, ~125.
    expect(uncapped).toBeGreaterThan(300);
    expect(capped).toBeLessThan(uncapped * 0.45);
    expect(capped).toBeGreaterThan(0);
  });

  it("auto-converge in the qemu policy makes a migration converge that does not without it", async () => {
    const plain = await migrate(31, false);
    const converging = await migrate(31, true);
    const liveRounds = (r: SenderResult) => r.rounds.filter((round) => !round.stopAndCopy);

    // Without auto-converge the guest out-dirties the link until the round cap forces the switch-over.
    expect(plain.stopReason).toContain(`iteration cap ${ITERATION_COUNT_MAX}`);
    expect(plain.throttleFraction).toBe(0);
    // With it, the throttle rises until what is dirty fits bandwidth x downtime limit.
    expect(converging.stopReason).toMatch(/^dirty \d+ B < \d+ B/);
    expect(liveRounds(converging).length).toBeLessThan(ITERATION_COUNT_MAX);
    expect(converging.throttleFraction).toBeGreaterThanOrEqual(0.5);

    // The throttle is real: the guest's measured dirty rate falls round by round as it rises.
    const lastLive = liveRounds(converging).length;
    expect(dirtyPagesPerSecond(converging, lastLive)).toBeLessThan(0.6 * dirtyPagesPerSecond(converging, 2));
    // And so is the payoff: far less to copy with the guest paused, and a shorter downtime.
    const downtimeMs = (r: SenderResult) => r.streamEndMs - r.pausedAtMs;
    expect(converging.downtimeBytes).toBeLessThan(plain.downtimeBytes / 4);
    expect(downtimeMs(converging)).toBeLessThan(downtimeMs(plain) / 4);
  });
});
