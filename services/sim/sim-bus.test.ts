import { describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { busConformance } from "../transport/bus/bus.case.js";
import { encodeJson, decodeJson, type SubjectMemo } from "../contracts/bus.js";
import { BROKER_ID, SimNetwork } from "./network.js";
import { SimBroker } from "./sim-bus.js";

/** Publisher p, subscriber s, over a fresh network; the simulated clock moves 1 ms per real ms. */
function rig(seed = 1) {
  const clock = new SimulatedClock();
  const network = new SimNetwork(clock, new Prng(seed));
  network.addProcess("p");
  network.addProcess("s");
  const broker = new SimBroker(network);
  return { clock, network, broker, publisher: broker.connect("p"), subscriber: broker.connect("s") };
}

busConformance("SimBroker (no faults)", () => {
  const { clock, publisher, subscriber } = rig();
  const pump = setInterval(() => clock.advanceMs(1), 1);
  return Promise.resolve({
    publisher,
    subscriber,
    close: async () => {
      clearInterval(pump);
      await publisher.close();
      await subscriber.close();
    },
  });
});

function received(r: ReturnType<typeof rig>): number[] {
  const got: number[] = [];
  r.subscriber.subscribe("t.x", (_, data) => got.push(decodeJson<number>(data)));
  return got;
}

describe("SimBroker faults", () => {
  it("loses what is published while the publisher, the subscriber or the broker is cut off", () => {
    const r = rig();
    const got = received(r);
    r.network.partition(["p"]);
    r.publisher.publish("t.x", encodeJson(1));
    r.clock.advanceMs(10);
    r.network.heal();
    r.network.partition(["s"]);
    r.publisher.publish("t.x", encodeJson(2));
    r.clock.advanceMs(10);
    r.network.heal();
    r.network.partition([BROKER_ID]);
    r.publisher.publish("t.x", encodeJson(3));
    r.clock.advanceMs(10);
    r.network.heal();
    r.publisher.publish("t.x", encodeJson(4));
    r.clock.advanceMs(10);
    expect(got).toEqual([4]);
  });

  it("a partition from the broker only leaves host-to-host links up", () => {
    const r = rig();
    r.network.partition(["p"], [BROKER_ID]);
    expect(r.network.connected("p", "s")).toBe(true);
    expect(r.network.reachesBroker("p")).toBe(false);
    expect(r.network.reachesBroker("s")).toBe(true);
  });

  it("holds messages for a stalled subscriber and delivers them, in order, when it resumes", () => {
    const r = rig();
    const got = received(r);
    r.network.process("s").stall(500);
    r.publisher.publish("t.x", encodeJson(1));
    r.publisher.publish("t.x", encodeJson(2));
    r.clock.advanceMs(499);
    expect(got).toEqual([]);
    r.clock.advanceMs(1);
    expect(got).toEqual([1, 2]);
  });

  it("never delivers to a crashed subscriber, nor to its old subscriptions after a restart", () => {
    const r = rig();
    const got = received(r);
    r.publisher.publish("t.x", encodeJson(1));
    r.network.process("s").crash();
    r.clock.advanceMs(10);
    r.network.process("s").restart();
    r.publisher.publish("t.x", encodeJson(2));
    r.clock.advanceMs(10);
    expect(got).toEqual([]);
  });

  it("drops, duplicates and reorders as the seeded faults say, the same way for the same seed", () => {
    const run = (seed: number) => {
      const r = rig(seed);
      r.network.faults = { dropRate: 0.2, duplicateRate: 0.2, delayMsMin: 1, delayMsMax: 50, reorder: true };
      const got = received(r);
      for (let n = 0; n < 200; n++) r.publisher.publish("t.x", encodeJson(n));
      r.clock.advanceMs(1000);
      return got;
    };
    const got = run(7);
    expect(run(7)).toEqual(got);
    expect(new Set(got).size).toBeLessThan(200);
    expect(got.length).toBeGreaterThan(new Set(got).size);
    expect(got).not.toEqual([...got].sort((a, b) => a - b));
  });

  it("keeps a link FIFO under delays when reordering is off", () => {
    const r = rig(3);
    r.network.faults = { dropRate: 0, duplicateRate: 0, delayMsMin: 1, delayMsMax: 50, reorder: false };
    const got = received(r);
    for (let n = 0; n < 100; n++) r.publisher.publish("t.x", encodeJson(n));
    r.clock.advanceMs(1000);
    expect(got).toEqual([...Array(100).keys()]);
  });

  it("delivers a forged message injected at the broker to every subscriber", () => {
    const r = rig();
    const got = received(r);
    r.broker.inject("t.x", encodeJson(99));
    r.clock.advanceMs(1);
    expect(got).toEqual([99]);
  });
});

describe("SimBroker JSON messages (publishJson / subscribeJson)", () => {
  it("hands subscribers of values a frozen copy, and subscribers of bytes its JSON text", () => {
    const r = rig();
    const values: unknown[] = [];
    const texts: string[] = [];
    r.subscriber.subscribeJson("t.*", (_, value) => values.push(value));
    r.subscriber.subscribe("t.*", (_, data) => texts.push(new TextDecoder().decode(data)));
    const sent = { n: 1, pools: [{ name: "Pool-0", pcpus: 8 }], gone: undefined, bad: Number.NaN };
    r.publisher.publishJson("t.x", sent);
    sent.n = 2; // after the publish: the message is a copy
    sent.pools[0]!.pcpus = 0;
    r.clock.advanceMs(1);
    const expected = { n: 1, pools: [{ name: "Pool-0", pcpus: 8 }], bad: null };
    expect(values).toEqual([expected]);
    expect(texts).toEqual([JSON.stringify(expected)]);
    expect(Object.isFrozen(values[0]) && Object.isFrozen((values[0] as typeof expected).pools[0])).toBe(true);
  });

  it("parses bytes for subscribers of values: a forged message that is not JSON arrives as undefined", () => {
    const r = rig();
    const values: unknown[] = [];
    r.subscriber.subscribeJson("t.x", (_, value) => values.push(value));
    r.publisher.publish("t.x", encodeJson({ n: 3 }));
    r.clock.advanceMs(1);
    r.broker.inject("t.x", new TextEncoder().encode("{not json"));
    expect(values).toEqual([{ n: 3 }, undefined]);
  });

  it("vouches frozen for a published value only, never for one parsed from bytes", () => {
    const r = rig();
    const vouched: [unknown, boolean | undefined][] = [];
    r.subscriber.subscribeJson("t.x", (_, value, frozen) => vouched.push([value, frozen]));
    r.publisher.publishJson("t.x", { n: 1 });
    r.publisher.publish("t.x", encodeJson({ n: 2 }));
    r.broker.inject("t.x", encodeJson({ n: 3 }));
    r.clock.advanceMs(1);
    // The injected one first: it starts at the broker.
    expect(vouched).toEqual([
      [{ n: 3 }, false],
      [{ n: 1 }, true],
      [{ n: 2 }, false],
    ]);
    // A vouched value is frozen indeed; a parsed one is the subscriber's own, unfrozen.
    expect(vouched.map(([value]) => Object.isFrozen(value))).toEqual([false, true, false]);
  });

  it("a value message meets the network's faults as bytes do (lost while the publisher is cut off)", () => {
    const r = rig();
    const values: unknown[] = [];
    r.subscriber.subscribeJson("t.x", (_, value) => values.push(value));
    r.network.partition(["p"]);
    r.publisher.publishJson("t.x", 1);
    r.clock.advanceMs(10);
    r.network.heal();
    r.publisher.publishJson("t.x", 2);
    r.clock.advanceMs(10);
    expect(values).toEqual([2]);
  });
});

describe("SimBroker.relayPublishes (the shared second's repeats)", () => {
  /** Publishes 1 with relayPublishes on: what `s` got in that step, and the relays counted. */
  function publishInStep(r: ReturnType<typeof rig>): { got: unknown[]; relayed: number } {
    const relayedBefore = r.network.messageCountRelayed;
    r.broker.relayPublishes = true;
    try {
      r.publisher.publishJson("t.x", 1, "frozen");
    } finally {
      r.broker.relayPublishes = false;
    }
    return { got: [...values], relayed: r.network.messageCountRelayed - relayedBefore };
  }
  let values: unknown[] = [];
  function subscribed(r: ReturnType<typeof rig>): void {
    values = [];
    r.subscriber.subscribeJson("t.*", (_, value, frozen) => values.push([value, frozen]));
  }

  it("hands a value to a running subscriber in the step it is published, two relays counted", () => {
    const r = rig();
    subscribed(r);
    r.publisher.publishJson("t.x", 0, "frozen"); // the connection's route, found once
    r.clock.advanceMs(1);
    expect(publishInStep(r)).toEqual({
      got: [
        [0, true],
        [1, true],
      ],
      relayed: 2,
    });
  });

  it("hands it over in step to every subscriber, of values or bytes", () => {
    const r = rig();
    subscribed(r);
    const texts: string[] = [];
    r.subscriber.subscribe("t.x", (_, data) => texts.push(new TextDecoder().decode(data)));
    expect(publishInStep(r)).toEqual({ got: [[1, true]], relayed: 3 });
    expect(texts).toEqual(["1"]);
  });

  it("sends it as any other publish when the subscriber is stalled or the network is not calm", () => {
    const r = rig();
    subscribed(r);
    r.network.process("s").stall(10);
    expect(publishInStep(r)).toEqual({ got: [], relayed: 2 }); // held by the stall, not lost
    r.clock.advanceMs(20);
    expect(values).toEqual([[1, true]]);
    values.length = 0;
    r.network.faults = { dropRate: 0, duplicateRate: 0, delayMsMin: 5, delayMsMax: 5, reorder: false };
    expect(publishInStep(r)).toEqual({ got: [], relayed: 0 });
    r.clock.advanceMs(20);
    expect(values).toEqual([[1, true]]);
  });

  it("reads the publisher's process only when a stall, crash or restart happened since it last did", () => {
    const r = rig();
    subscribed(r);
    r.publisher.publishJson("t.x", 0, "frozen"); // the connection's route, found once
    r.clock.advanceMs(1);
    expect(publishInStep(r).relayed).toBe(2); // the process found running
    const processRead = vi.spyOn(Object.getPrototypeOf(r.publisher) as object, "process" as never, "get");
    try {
      expect(publishInStep(r).relayed).toBe(2);
      expect(processRead).not.toHaveBeenCalled();
      r.network.process("s").stall(1); // another process's change: read again, still running
      r.clock.advanceMs(2);
      expect(publishInStep(r).relayed).toBe(2);
      expect(processRead).toHaveBeenCalledTimes(1);
      r.network.process("p").crash();
      const got = values.length;
      expect(publishInStep(r)).toEqual({ got: values.slice(0, got), relayed: 0 });
      expect(processRead.mock.calls.length).toBeGreaterThan(1);
    } finally {
      processRead.mockRestore();
    }
  });

  it("hands its lone subscriber one SubjectMemo per publisher and subject, emptied when either changes", () => {
    const r = rig();
    /** Each message's memo, and what it held when the message came. */
    const memos: [SubjectMemo | undefined, unknown][] = [];
    const subscription = r.subscriber.subscribeJson("t.*", (_, _value, _frozen, memo) => {
      memos.push([memo, memo?.kept]);
      if (memo) memo.kept = "found";
    });
    const publishAndStep = (subject: string) => {
      r.publisher.publishJson(subject, 0, "frozen"); // the route found anew when it changed
      r.clock.advanceMs(1);
    };
    publishAndStep("t.x");
    publishInStep(r);
    publishInStep(r);
    const memo = memos[1]![0];
    expect(memos).toEqual([
      [undefined, undefined], // the route's first publish: no memo on that way
      [memo, undefined],
      [memo, "found"],
    ]);
    expect(memo).toBeDefined();
    // Another subject on the way: emptied.
    publishAndStep("t.y");
    publishAndStep("t.x");
    publishInStep(r);
    expect(memos.slice(3)).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [memo, undefined],
    ]);
    // Another subscriber (the old one gone): emptied again, before that subscriber sees it.
    subscription.unsubscribe();
    const seen: [SubjectMemo | undefined, unknown][] = [];
    r.subscriber.subscribeJson("t.*", (_, _value, _frozen, m) => seen.push([m, m?.kept]));
    publishAndStep("t.x");
    publishInStep(r);
    expect(seen).toEqual([
      [undefined, undefined],
      [memo, undefined],
    ]);
  });
});
