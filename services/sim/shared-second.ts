import type { ClockTimer, SimulatedClock } from "../core/clock.js";
import { delayToGridMs } from "../core/simulation.js";
import type { SharedSecond, SharedSecondMember } from "../host/shared-second.js";
import type { ProcessChanges, SimProcess } from "./process.js";
import type { SimBroker } from "./sim-bus.js";

/** The grid of the hosts' seconds (Host's timer a second: CPU_USAGE_SAMPLE_INTERVAL_MS). */
export const SHARED_SECOND_PERIOD_MS = 1000;

export interface SharedSecondOptions {
  /**
   * The members' heartbeats reach it in this step, as their own timers' publishes of zero delay
   * reach it at this instant (SimBroker.relayPublishes).
   */
  broker?: SimBroker;
  /** SharedSecond.checksRepeats (the VOPR's and the tests'). */
  checksRepeats?: boolean;
  /**
   * The members' network's count of stalls, crashes and restarts: while it stands still since the
   * last firing, no member's process is looked at (each was found running then, or joined since
   * from its own second). Without it, every member's process is looked at every time.
   */
  processChanges?: ProcessChanges;
}

/**
 * The one-process cluster's SharedSecond (host/shared-second.ts): one SimulatedClock timer, at each
 * instant of the 1 s grid while anyone is a member, calls each member's `repeatSecond` in join
 * order, as the member's own timer would have: at once if its process runs in the generation it
 * joined in; at the stall's end if stalled (the member then leaves, as a stalled host's own timer
 * fires once, when the stall ends); never if it crashed or restarted since. The cost of an idle
 * host's second is then its heartbeat alone: no timer of its own, no CPU sample that changes
 * nothing, no look for work that cannot have come.
 *
 * The members are kept in arrays side by side (member, process, generation, join instant, left),
 * not an object each: a firing reads 1,000 members, and one object less read per member is what
 * an idle host's second costs less.
 */
export class SharedSecondTicker {
  private members: SharedSecondMember[] = [];
  private processes: SimProcess[] = [];
  private generations: number[] = [];
  /** The instant each joined: its own second of that instant has run (it joined in it). */
  private joinedAtMs: number[] = [];
  /** Set when it leaves: dropped from the arrays at the end of the next firing. */
  private left: boolean[] = [];
  private leftCount = 0;
  /** Each current member's index in the arrays (for leave). */
  private readonly indexOf = new Map<SharedSecondMember, number>();
  private readonly timer: ClockTimer;
  private armed = false;
  /** The instant it last fired (a member leaving at that instant had its second already). */
  private firedAtMs = -1;
  /** Repeats run (a member's second that published its last heartbeat again), for benches. */
  repeatCount = 0;
  private readonly broker: SimBroker | undefined;
  readonly checksRepeats: boolean;
  private readonly processChanges: ProcessChanges | undefined;
  /** processChanges' count when every member's process was last found running in its generation. */
  private processesCheckedAt = -1;

  constructor(
    private readonly clock: SimulatedClock,
    options: SharedSecondOptions = {},
  ) {
    this.broker = options.broker;
    this.checksRepeats = options.checksRepeats ?? false;
    this.processChanges = options.processChanges;
    this.timer = clock.timer(() => this.fire());
  }

  /** The SharedSecond of the host that runs in `process`. */
  port(process: SimProcess): SharedSecond {
    return {
      checksRepeats: this.checksRepeats,
      join: (member) => this.join(member, process),
      leave: (member) => this.leave(member),
    };
  }

  get memberCount(): number {
    return this.indexOf.size;
  }

  private join(member: SharedSecondMember, process: SimProcess): void {
    this.drop(member);
    this.indexOf.set(member, this.members.length);
    this.members.push(member);
    this.processes.push(process);
    this.generations.push(process.generation);
    this.joinedAtMs.push(this.clock.nowMs());
    this.left.push(false);
    if (!this.armed) this.arm();
  }

  private leave(member: SharedSecondMember): boolean {
    const index = this.indexOf.get(member);
    if (index === undefined) return false;
    const nowMs = this.clock.nowMs();
    // Joined at this instant: its own second of this instant ran (that is where it joined).
    const joinedNow = this.joinedAtMs[index] === nowMs;
    this.drop(member);
    if (this.indexOf.size === 0 && this.armed) {
      this.timer.cancel();
      this.armed = false;
    }
    return (
      !joinedNow &&
      delayToGridMs(nowMs, SHARED_SECOND_PERIOD_MS) === SHARED_SECOND_PERIOD_MS &&
      this.firedAtMs !== nowMs
    );
  }

  /** Ends `member`'s membership, if it has one: whether it had. */
  private drop(member: SharedSecondMember): boolean {
    const index = this.indexOf.get(member);
    if (index === undefined) return false;
    this.indexOf.delete(member);
    this.left[index] = true;
    this.leftCount++;
    return true;
  }

  private arm(): void {
    this.armed = true;
    this.timer.arm(delayToGridMs(this.clock.nowMs(), SHARED_SECOND_PERIOD_MS));
  }

  private fire(): void {
    this.armed = false;
    const nowMs = this.clock.nowMs();
    this.firedAtMs = nowMs;
    // Those who join during this instant (a member whose second was not a repeat does not) wait for the next.
    const count = this.members.length;
    const changes = this.processChanges?.count;
    const checkProcesses = changes === undefined || changes !== this.processesCheckedAt;
    if (this.broker) this.broker.relayPublishes = true;
    try {
      for (let index = 0; index < count; index++) this.secondOf(index, nowMs, checkProcesses);
    } finally {
      if (this.broker) this.broker.relayPublishes = false;
    }
    if (changes !== undefined) this.processesCheckedAt = changes;
    if (this.leftCount > 0) this.compact();
    if (this.indexOf.size > 0) this.arm();
  }

  private secondOf(index: number, nowMs: number, checkProcess: boolean): void {
    if (this.left[index] || this.joinedAtMs[index] === nowMs) return;
    const member = this.members[index]!;
    if (checkProcess) {
      const process = this.processes[index]!;
      const generation = this.generations[index]!;
      if (process.state !== "running" || process.generation !== generation) {
        this.drop(member);
        return;
      }
      if (process.isStalled) {
        this.drop(member);
        process.run(() => member.secondAfterStall(), generation);
        return;
      }
    }
    if (member.repeatSecond(nowMs)) this.repeatCount++;
    else if (this.indexOf.get(member) === index) this.drop(member);
  }

  /** Drops those who left, keeping the order of the rest (those who joined during a firing too). */
  private compact(): void {
    let kept = 0;
    for (let index = 0; index < this.members.length; index++) {
      if (this.left[index]) continue;
      const member = this.members[index]!;
      this.members[kept] = member;
      this.processes[kept] = this.processes[index]!;
      this.generations[kept] = this.generations[index]!;
      this.joinedAtMs[kept] = this.joinedAtMs[index]!;
      this.left[kept] = false;
      this.indexOf.set(member, kept);
      kept++;
    }
    for (const array of [this.members, this.processes, this.generations, this.joinedAtMs, this.left])
      array.length = kept;
    this.leftCount = 0;
  }
}
