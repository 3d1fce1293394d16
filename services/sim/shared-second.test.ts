import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { SharedSecond, SharedSecondMember } from "../host/shared-second.js";
import { SimNetwork } from "./network.js";
import { SHARED_SECOND_PERIOD_MS, SharedSecondTicker } from "./shared-second.js";

/** A member that records when each of its seconds ran, and how. */
class Recorder implements SharedSecondMember {
  readonly seconds: string[] = [];
  stayFor = Infinity;

  constructor(
    private readonly clock: SimulatedClock,
    readonly name: string,
  ) {}

  repeatSecond(nowMs: number): boolean {
    expect(nowMs).toBe(this.clock.nowMs());
    this.seconds.push(`${this.name} repeat ${nowMs}`);
    return --this.stayFor >= 0;
  }

  secondAfterStall(): void {
    this.seconds.push(`${this.name} after-stall ${this.clock.nowMs()}`);
  }
}

function rig() {
  const clock = new SimulatedClock();
  const network = new SimNetwork(clock, new Prng(1));
  const ticker = new SharedSecondTicker(clock, { processChanges: network.processChanges });
  const member = (name: string): { recorder: Recorder; port: SharedSecond } => {
    const process = network.addProcess(name);
    return { recorder: new Recorder(clock, name), port: ticker.port(process) };
  };
  return { clock, network, ticker, member };
}

describe("SharedSecondTicker (the idle hosts' seconds, one timer for all)", () => {
  it("calls a member at each later instant of the grid, not in the instant it joined, in join order", () => {
    const { clock, ticker, member } = rig();
    clock.advanceMs(SHARED_SECOND_PERIOD_MS); // joined in its own second at 1000 ms
    const a = member("a");
    const b = member("b");
    a.port.join(a.recorder);
    b.port.join(b.recorder);
    const seconds: string[] = [];
    clock.advanceMs(2500);
    seconds.push(...a.recorder.seconds, ...b.recorder.seconds);
    expect(seconds.sort()).toEqual(["a repeat 2000", "a repeat 3000", "b repeat 2000", "b repeat 3000"]);
    expect(ticker.repeatCount).toBe(4);
    expect(ticker.memberCount).toBe(2);
  });

  it("tells a member leaving at an instant of the grid whether that instant's second is still due", () => {
    const { clock, member } = rig();
    const a = member("a");
    a.port.join(a.recorder);
    clock.advanceMs(1500);
    expect(a.port.leave(a.recorder), "between two instants: nothing is due").toBe(false);
    a.port.join(a.recorder);
    // Placed before the shared second's own timer for 3000 ms (set when it fires at 2000 ms): runs first.
    let dueAtLeave: boolean | undefined;
    clock.setTimer(1500, () => (dueAtLeave = a.port.leave(a.recorder)));
    clock.advanceMs(500);
    expect(a.port.leave(a.recorder), "the shared second of 2000 ms has fired").toBe(false);
    a.port.join(a.recorder);
    clock.advanceMs(1000);
    expect(dueAtLeave, "left at 3000 ms before the shared second of 3000 ms fired").toBe(true);
    expect(a.recorder.seconds).toEqual(["a repeat 1000", "a repeat 2000"]);
    expect(a.port.leave(a.recorder), "not a member: nothing to leave").toBe(false);
  });

  it("a member whose repeat fails is dropped; a later join takes it back", () => {
    const { clock, ticker, member } = rig();
    const a = member("a");
    a.recorder.stayFor = 1;
    a.port.join(a.recorder);
    clock.advanceMs(3000);
    expect(a.recorder.seconds).toEqual(["a repeat 1000", "a repeat 2000"]);
    expect(ticker.memberCount).toBe(0);
    a.recorder.stayFor = Infinity;
    a.port.join(a.recorder);
    clock.advanceMs(1000);
    expect(a.recorder.seconds.at(-1)).toBe("a repeat 4000");
  });

  it("a stalled member's second runs once, when the stall ends, and it leaves; a crashed one is dropped", () => {
    const { clock, network, ticker, member } = rig();
    const a = member("a");
    const b = member("b");
    a.port.join(a.recorder);
    b.port.join(b.recorder);
    clock.advanceMs(1500);
    network.process("a").stall(2200); // until 3700 ms
    network.process("b").crash();
    clock.advanceMs(3000);
    expect(a.recorder.seconds).toEqual(["a repeat 1000", "a after-stall 3700"]);
    expect(b.recorder.seconds).toEqual(["b repeat 1000"]);
    expect(ticker.memberCount).toBe(0);
  });

  it("fires only while it has members", () => {
    const { clock, ticker, member } = rig();
    const a = member("a");
    a.port.join(a.recorder);
    clock.advanceMs(1000);
    a.port.leave(a.recorder);
    const fired = clock.timerCountFired;
    clock.advanceMs(10_000);
    expect(clock.timerCountFired).toBe(fired);
    expect(ticker.repeatCount).toBe(1);
  });
});
