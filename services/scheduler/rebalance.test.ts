import { describe, it, expect } from "vitest";
import { planRebalance, REBALANCE_HIGH_PERCENT_DEFAULT, REBALANCE_LOW_PERCENT_DEFAULT } from "./rebalance.js";
import { startSimRig, type SimRig } from "./sim-rig.js";
import type { FakeGuest, FakeHostSpec } from "./fake-cluster.js";

const HIGH = REBALANCE_HIGH_PERCENT_DEFAULT;
const LOW = REBALANCE_LOW_PERCENT_DEFAULT;

/** Hosts of 1000 MiB and many pCPUs (memory decides), each with the guests given (MiB). */
async function cluster(
  layout: Record<string, ReadonlyArray<number | FakeGuest>>,
  specs: Partial<Record<string, Partial<FakeHostSpec>>> = {},
): Promise<SimRig> {
  const hostIds = Object.keys(layout);
  const rig = await startSimRig(
    hostIds.map((hostId) => ({ hostId, memoryMib: 1000, pcpus: 64, ...specs[hostId] })),
  );
  for (const hostId of hostIds) {
    (layout[hostId] ?? []).forEach((guest, i) =>
      rig.cluster.addGuest(
        hostId,
        typeof guest === "number" ? { name: `${hostId}-${guest}-${i}`, memoryMib: guest } : guest,
      ),
    );
  }
  await rig.idle(250);
  for (const host of rig.scheduler.view.upHosts()) await rig.run(rig.scheduler.syncHost(host));
  return rig;
}

const moves = (rig: SimRig, high = HIGH, low = LOW) =>
  planRebalance(rig.scheduler, high, low).map((m) => `${m.domain}: ${m.fromHostId} -> ${m.toHostId}`);

describe("planRebalance", () => {
  it("moves nothing in a balanced cluster", async () => {
    const rig = await cluster({ h1: [500], h2: [300, 300], h3: [550] });
    expect(moves(rig)).toEqual([]);
    await rig.stop();
  });

  it("an overloaded host sheds its smallest domains, each to the fullest host it fits under the mark", async () => {
    const rig = await cluster({ h1: [350, 100, 300, 200], h2: [600], h3: [500] });
    expect(moves(rig)).toEqual(["h1-100-1: h1 -> h2"]);
    const plan = planRebalance(rig.scheduler, HIGH, LOW);
    expect(plan[0]?.reason).toBe(`h1 over ${HIGH} %`);
    await rig.stop();
  });

  it("sheds as many as it takes, and none that would push a target over the mark", async () => {
    const rig = await cluster({ h1: [400, 60, 80, 420], h2: [820], h3: [700] });
    // 96 % -> without 60: 90 % (not over): one move, to h2 (88 % after), the fuller host it fits.
    expect(moves(rig)).toEqual(["h1-60-1: h1 -> h2"]);
    const tighter = await cluster({ h1: [400, 60, 80, 420], h2: [850], h3: [700] });
    // Mark 85 %: h2 + 60 = 91 % is too full; h3 takes 60, then 80, until h1 is at 82 %.
    expect(moves(tighter, 85)).toEqual(["h1-60-1: h1 -> h3", "h1-80-2: h1 -> h3"]);
    await rig.stop();
    await tighter.stop();
  });

  it("empties an underused host when all its domains fit elsewhere", async () => {
    const rig = await cluster({ h1: [100, 100], h2: [600], h3: [700] });
    expect(moves(rig)).toEqual(["h1-100-0: h1 -> h3", "h1-100-1: h1 -> h3"]);
    expect(planRebalance(rig.scheduler, HIGH, LOW)[0]?.reason).toBe(`h1 under ${LOW} %: consolidate`);
    await rig.stop();
  });

  it("leaves an underused host alone when one of its domains fits nowhere", async () => {
    const rig = await cluster({ h1: [50, 250], h2: [850], h3: [] });
    expect(moves(rig)).toEqual([]);
    await rig.stop();
  });

  it("sends HVM domains only to HVM hosts", async () => {
    const rig = await cluster(
      { h1: [{ name: "win", memoryMib: 100, type: "hvm" }, 400, 450], h2: [700], h3: [500] },
      { h2: { hvm: false } },
    );
    expect(moves(rig)).toEqual(["win: h1 -> h3"]);
    await rig.stop();
  });

  it("counts vCPUs per pCPU as load", async () => {
    const rig = await cluster(
      {
        h1: [
          { name: "busy", memoryMib: 100, vcpus: 3 },
          { name: "small", memoryMib: 50, vcpus: 1 },
        ],
        h2: [{ name: "other", memoryMib: 400, vcpus: 1 }],
      },
      { h1: { pcpus: 4 }, h2: { pcpus: 4 } },
    );
    // h1: 4 vCPUs on 4 pCPUs = 100 %; shedding "small" (smallest memory) brings it to 75 %.
    expect(moves(rig)).toEqual(["small: h1 -> h2"]);
    await rig.stop();
  });

  it("neither moves from nor onto a disabled host", async () => {
    const rig = await cluster({ h1: [350, 100, 300, 200], h2: [600], h3: [500] });
    await rig.scheduler.setHostEnabled("h2", false);
    expect(moves(rig)).toEqual(["h1-100-1: h1 -> h3"]);
    await rig.scheduler.setHostEnabled("h1", false);
    expect(moves(rig)).toEqual([]);
    await rig.stop();
  });
});
