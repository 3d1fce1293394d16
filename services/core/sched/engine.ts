import { assert } from "../errors.js";
import { EventHeap } from "./event-heap.js";
import { EngineEvent, type EngineEventKind } from "./events.js";
import type { PolicyHost, SchedPolicy, WakeReason } from "./policy.js";
import type { Vcpu } from "./vcpu.js";

/**
 * Events one vCPU or pCPU may cause per simulated millisecond, at most: demand phases are at
 * least 100 µs (a stop and a wake each), slices at least 100 µs (ratelimit) and credit1 ticks a
 * third of a 1 ms timeslice. More than this in one advance is a bug (a zero-length loop).
 */
const EVENT_COUNT_PER_ENTITY_MS_MAX = 25;
const EVENT_COUNT_PER_ADVANCE_MIN = 1000;
const NS_PER_MS = 1_000_000;

/**
 * The pCPUs of one host as a discrete-event simulation under the host's own simulated time: vCPUs
 * run, block and wake as their demand says, and the policy decides who runs where whenever a pCPU
 * is tickled or a slice ends. Deterministic: no clock, no timers, events in (time, push order).
 */
export class SchedEngine implements PolicyHost {
  // Each pCPU's state in three flat arrays, by pCPU (not one object per pCPU): a tick of a host
  // whose data went cold touches a line or two, not one object per pCPU.
  /** What runs on each pCPU. */
  private readonly currents: (Vcpu | undefined)[];
  /** Whether each pCPU's schedule() is due. */
  private readonly tickleds: boolean[];
  /** Bumped at each pCPU's every decision: a slice event of an older one is stale. */
  private readonly sliceVersions: number[];
  private readonly events = new EventHeap<EngineEvent>();
  private readonly tickledQueue: number[] = [];
  /** Fired events, reused by the next pushes instead of allocating (one per slice, stop and wake). */
  private readonly eventsFired: EngineEvent[] = [];
  private sequenceNext = 0;
  private now = 0;
  private vcpuCount = 0;

  constructor(
    readonly pcpuCount: number,
    readonly policy: SchedPolicy,
    /** Simulated time at which the engine starts (a pool's engine rebuilt after its pCPUs changed). */
    startNs = 0,
  ) {
    assert(pcpuCount >= 1, "a host needs at least one pCPU");
    assert(Number.isInteger(startNs) && startNs >= 0, `engine start at ${startNs} ns`);
    this.now = startNs;
    this.currents = Array.from({ length: pcpuCount }, () => undefined);
    this.tickleds = Array.from({ length: pcpuCount }, () => false);
    this.sliceVersions = Array.from({ length: pcpuCount }, () => 0);
    policy.attach(this);
  }

  get nowNs(): number {
    return this.now;
  }

  current(pcpu: number): Vcpu | undefined {
    return this.currents[this.checked(pcpu)];
  }

  isTickled(pcpu: number): boolean {
    return this.tickleds[this.checked(pcpu)]!;
  }

  tickle(pcpu: number): void {
    if (this.tickleds[this.checked(pcpu)]) return;
    this.tickleds[pcpu] = true;
    this.tickledQueue.push(pcpu);
  }

  park(vcpu: Vcpu): void {
    vcpu.parked = true;
    this.refresh(vcpu, "wake");
  }

  unpark(vcpu: Vcpu): void {
    vcpu.parked = false;
    this.refresh(vcpu, "wake");
  }

  isCurrent(vcpu: Vcpu): boolean {
    return this.currents[this.checked(vcpu.pcpu)] === vcpu;
  }

  addVcpu(vcpu: Vcpu): void {
    assert(vcpu.hardAffinity.pcpuCount === this.pcpuCount, "affinity mask of another host");
    this.policy.addVcpu(vcpu);
    this.vcpuCount++;
    this.refresh(vcpu, "wake");
  }

  /** Takes the vCPU off the CPU and out of the policy; pending events of it are dropped. */
  removeVcpu(vcpu: Vcpu): void {
    vcpu.online = false;
    this.refresh(vcpu, "wake");
    this.settle();
    assert(!this.isCurrent(vcpu) && !vcpu.inPolicy, "vCPU still scheduled");
    vcpu.stopVersion++;
    vcpu.wakeVersion++;
    this.policy.removeVcpu(vcpu);
    this.vcpuCount--;
  }

  /**
   * Brings the policy's view in line with what the vCPU wants after any change to it: queue it when
   * it became runnable, dequeue it (or have its pCPU reschedule) when it stopped being runnable.
   */
  refresh(vcpu: Vcpu, reason: WakeReason): void {
    const current = this.isCurrent(vcpu);
    if (vcpu.wantsToRun && !vcpu.inPolicy) {
      vcpu.inPolicy = true;
      if (current) return; // descheduling was pending; it simply keeps running
      vcpu.runState = "runnable";
      vcpu.runnableSinceNs = this.now;
      this.policy.wake(vcpu, this.now, reason);
    } else if (!vcpu.wantsToRun && vcpu.inPolicy) {
      vcpu.inPolicy = false;
      if (current) {
        this.tickle(vcpu.pcpu);
        return;
      }
      this.policy.sleep(vcpu);
      vcpu.runState = vcpu.idleRunState;
    } else if (!vcpu.wantsToRun && !current) {
      vcpu.runState = vcpu.idleRunState;
    }
  }

  /** Accounts the running time of a current vCPU up to now. */
  accrue(vcpu: Vcpu): void {
    const ranNs = this.now - vcpu.accountedToNs;
    if (ranNs <= 0) return;
    vcpu.cpuTimeNs += ranNs;
    const sink = vcpu.cpuTimeSink;
    if (sink !== undefined && !sink.cpuTimeMoved) {
      sink.cpuTimeMoved = true;
      sink.moves.add(sink);
    }
    vcpu.demand.consume(ranNs);
    vcpu.accountedToNs = this.now;
  }

  /** Re-plans when a running vCPU stops on its own, after its demand or throttle changed. */
  rearmStop(vcpu: Vcpu): void {
    if (!this.isCurrent(vcpu)) return;
    vcpu.stopVersion++;
    this.armStop(vcpu);
  }

  /** Runs the host for `elapsedNs` of simulated time. */
  advance(elapsedNs: number): void {
    if (!(Number.isInteger(elapsedNs) && elapsedNs >= 0)) assert(false, `advance by ${elapsedNs} ns`);
    const targetNs = this.now + elapsedNs;
    const entityCount = this.vcpuCount + this.pcpuCount;
    const perEntityMs = Math.max(EVENT_COUNT_PER_ENTITY_MS_MAX, this.policy.eventCountPerEntityMsMax ?? 0);
    const eventCountMax =
      EVENT_COUNT_PER_ADVANCE_MIN + Math.ceil((perEntityMs * entityCount * elapsedNs) / NS_PER_MS);
    this.settle();
    for (let eventCount = 0; ; eventCount++) {
      if (eventCount > eventCountMax)
        throw new Error(`assertion failed: over ${eventCountMax} events in one advance`);
      const timerNs = Math.max(this.now, this.policy.nextTimerNs()); // overdue after a parameter change
      const nextNs = Math.min(this.events.peekAtNs(), timerNs);
      if (nextNs > targetNs) break;
      assert(nextNs >= this.now, "an event in the past");
      this.now = nextNs;
      this.runDue();
      this.settle();
    }
    this.now = targetNs;
    const currents = this.currents;
    for (let pcpu = 0; pcpu < currents.length; pcpu++) {
      const current = currents[pcpu];
      if (current !== undefined) this.accrue(current);
    }
  }

  /** Reschedules every tickled pCPU, until none is. */
  settle(): void {
    const bound = (this.pcpuCount + this.vcpuCount) * 4 + 16;
    for (let turn = 0; this.tickledQueue.length > 0; turn++) {
      assert(turn <= bound, "tickles do not settle");
      const pcpu = this.tickledQueue.shift()!;
      if (this.tickleds[pcpu]) this.reschedule(pcpu);
    }
  }

  /** For checks: every current vCPU is distinct, in step and allowed where it runs. */
  assertConsistent(): void {
    const seen = new Set<Vcpu>();
    this.currents.forEach((vcpu, index) => {
      if (!vcpu) return;
      assert(!seen.has(vcpu), "one vCPU current on two pCPUs");
      seen.add(vcpu);
      assert(vcpu.pcpu === index && vcpu.runState === "running", "current vCPU out of step");
      assert(vcpu.hardAffinity.has(index), "vCPU runs outside its hard affinity");
    });
  }

  private runDue(): void {
    for (;;) {
      if (this.events.peekAtNs() > this.now) break;
      const event = this.events.pop()!;
      const vcpu = event.vcpu;
      if (vcpu === undefined) {
        if (event.version === this.sliceVersions[this.checked(event.pcpu)]) this.tickle(event.pcpu);
      } else if (event.kind === "stop") {
        if (event.version === vcpu.stopVersion) this.stop(vcpu);
      } else if (event.version === vcpu.wakeVersion) {
        this.wake(vcpu);
      }
      event.vcpu = undefined; // holds no vCPU while it waits for reuse
      this.eventsFired.push(event);
    }
    if (this.policy.nextTimerNs() <= this.now) {
      this.policy.runTimers(this.now);
      assert(this.policy.nextTimerNs() > this.now, "policy timer did not move on");
    }
  }

  /** A running vCPU finished its burst or its throttle period: it blocks. */
  private stop(vcpu: Vcpu): void {
    assert(this.isCurrent(vcpu), "stop event for a vCPU that is not running");
    this.accrue(vcpu);
    const throttled = vcpu.demand.workLeftNs > 0;
    const sleepNs = throttled ? vcpu.demand.throttleSleepNs() : vcpu.demand.drawSleepNs();
    vcpu.sleeping = true;
    vcpu.throttleSleep = throttled;
    vcpu.wakeAtNs = this.now + sleepNs;
    vcpu.wakeVersion++;
    this.push(vcpu.wakeAtNs, "wake", vcpu, vcpu.pcpu, vcpu.wakeVersion);
    this.refresh(vcpu, "wake");
  }

  private wake(vcpu: Vcpu): void {
    assert(vcpu.sleeping, "wake event for a vCPU that is not asleep");
    vcpu.sleeping = false;
    if (!vcpu.throttleSleep) vcpu.demand.startBurst();
    vcpu.throttleSleep = false;
    this.refresh(vcpu, "wake");
  }

  private reschedule(index: number): void {
    const prev = this.currents[this.checked(index)];
    if (prev) this.accrue(prev);
    // The policy may hand back the same decision object every time: read it now.
    const { next, sliceNs } = this.policy.schedule(index, this.now);
    this.tickleds[index] = false; // after: tickles of this pCPU raised while it decides are answered by it
    if (next) {
      assert(next.inPolicy && next.hardAffinity.has(index), "policy picked a vCPU that cannot run here");
      assert(next === prev || next.runState === "runnable", "policy picked a vCPU that is not waiting");
    }
    if (next !== prev) {
      this.currents[index] = undefined;
      if (prev) this.deschedule(prev);
      if (next) this.run(next, index);
    }
    const sliceVersion = this.sliceVersions[index]! + 1;
    this.sliceVersions[index] = sliceVersion;
    assert(sliceNs > 0, "a slice of no time");
    if (next && sliceNs !== Infinity) {
      const atNs = this.now + Math.max(1, Math.round(sliceNs));
      this.push(atNs, "slice", undefined, index, sliceVersion);
    }
  }

  private deschedule(prev: Vcpu): void {
    prev.stopVersion++;
    if (prev.inPolicy) {
      prev.runState = "runnable";
      prev.runnableSinceNs = this.now;
    } else {
      prev.runState = prev.idleRunState;
    }
    if (!prev.hardAffinity.has(prev.pcpu)) prev.pcpu = this.placement(prev);
    if (prev.migratePending) {
      prev.migratePending = false;
      this.refresh(prev, "migrate");
    }
  }

  private run(next: Vcpu, index: number): void {
    const waitNs = this.now - next.runnableSinceNs;
    next.waits.waitCount++;
    next.waits.waitNsTotal += waitNs;
    next.waits.waitNsMax = Math.max(next.waits.waitNsMax, waitNs);
    next.runState = "running";
    next.pcpu = index;
    next.runningSinceNs = this.now;
    next.accountedToNs = this.now;
    this.currents[this.checked(index)] = next;
    this.armStop(next);
  }

  /** Where a vCPU that must leave its pCPU goes: an idle pCPU it may use, else the next allowed one. */
  placement(vcpu: Vcpu): number {
    for (const pcpu of vcpu.hardAffinity.list()) if (this.current(pcpu) === undefined) return pcpu;
    return vcpu.hardAffinity.cycleFrom(vcpu.pcpu);
  }

  private armStop(vcpu: Vcpu): void {
    const runLeftNs = vcpu.demand.runLeftNs();
    if (runLeftNs === Infinity) return;
    this.push(this.now + Math.max(0, runLeftNs), "stop", vcpu, vcpu.pcpu, vcpu.stopVersion);
  }

  private push(
    atNs: number,
    kind: EngineEventKind,
    vcpu: Vcpu | undefined,
    pcpu: number,
    version: number,
  ): void {
    const sequence = this.sequenceNext++;
    const event = this.eventsFired.pop();
    if (event === undefined) {
      this.events.push(new EngineEvent(atNs, sequence, kind, vcpu, pcpu, version));
      return;
    }
    event.atNs = atNs;
    event.sequence = sequence;
    event.kind = kind;
    event.vcpu = vcpu;
    event.pcpu = pcpu;
    event.version = version;
    this.events.push(event);
  }

  /** The pCPU number, once it is known to be one of this engine's. */
  private checked(index: number): number {
    if (!(index >>> 0 === index && index < this.pcpuCount))
      throw new Error(`assertion failed: no pCPU ${index}`);
    return index;
  }
}
