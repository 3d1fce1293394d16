import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { BROKER_ID, NO_FAULTS, SimNetwork, type LinkFaults } from "./network.js";

/** The network's counts and what ran, after one message relayed from the broker to "s" in `setUp`. */
function relayed(setUp: (network: SimNetwork) => void, how: "relay" | "relaysNow") {
  const clock = new SimulatedClock();
  const network = new SimNetwork(clock, new Prng(1));
  network.addProcess("s");
  setUp(network);
  const ran: number[] = [];
  const deliver = () => ran.push(clock.nowMs());
  if (how === "relay") network.relay(BROKER_ID, "s", deliver);
  else if (network.relaysNow(BROKER_ID, "s")) deliver();
  else network.relay(BROKER_ID, "s", deliver);
  clock.advanceMs(100);
  const { messageCountSent, messageCountDropped, messageCountRelayed } = network;
  return { ran, messageCountSent, messageCountDropped, messageCountRelayed };
}

const DELAYED: LinkFaults = { ...NO_FAULTS, delayMsMin: 5, delayMsMax: 5 };

describe("SimNetwork.relaysNow", () => {
  it.each<[string, (network: SimNetwork) => void]>([
    ["a clear link", () => undefined],
    ["the subscriber stalled", (n) => n.process("s").stall(10)],
    ["the subscriber crashed", (n) => n.process("s").crash()],
    ["the subscriber cut off", (n) => n.partition(["s"])],
    ["a link with delay", (n) => (n.faults = DELAYED)],
  ])("with %s, relaying at once when it says so is what relay does", (_, setUp) => {
    expect(relayed(setUp, "relaysNow")).toEqual(relayed(setUp, "relay"));
  });

  it("says so only for a running subscriber on a clear link", () => {
    const clock = new SimulatedClock();
    const network = new SimNetwork(clock, new Prng(1));
    network.addProcess("s");
    expect(network.relaysNow(BROKER_ID, "s")).toBe(true);
    network.process("s").stall(10);
    expect(network.relaysNow(BROKER_ID, "s")).toBe(false);
    expect(network.messageCountSent).toBe(1);
  });
});
