import { TimerRecord, type SimulatedClock } from "../core/clock.js";
import type { Prng } from "../core/prng.js";
import { ProcessChanges, SimProcess } from "./process.js";

/** The broker (nats-server) as a process id: links to it are cut like any other. */
export const BROKER_ID = "broker";

/** Seeded faults on every message a link carries (a probability each, and a latency range). */
export interface LinkFaults {
  dropRate: number;
  duplicateRate: number;
  delayMsMin: number;
  delayMsMax: number;
  /** Messages on one link may overtake each other (otherwise a link is FIFO, as TCP is). */
  reorder: boolean;
}

export const NO_FAULTS: LinkFaults = {
  dropRate: 0,
  duplicateRate: 0,
  delayMsMin: 0,
  delayMsMax: 0,
  reorder: false,
};
/**
 * How long the sender of a message on a connection takes to notice that it cannot arrive (the peer
 * cut off, crashed or restarted): gRPC keepalive's time + timeout (2 s + 2 s, wiring/host-service.ts).
 */
export const LINK_LOSS_NOTICE_MS = 4000;
/** Copies of one message a link may deliver at most (a duplicate is one extra copy). */
const COPY_COUNT_MAX = 2;

/**
 * The simulated network between the processes of one cluster: who can reach whom (partitions,
 * the broker down), and what each message suffers on the way (drop, delay, duplicate, reorder),
 * all drawn from one seeded PRNG so that a run replays exactly.
 */
export class SimNetwork {
  readonly processes = new Map<string, SimProcess>();
  faults: LinkFaults = NO_FAULTS;
  /** Cuts: `side` cannot reach `other` (everyone outside `side` when undefined), both ways. */
  private readonly partitions: Array<{ side: ReadonlySet<string>; other: ReadonlySet<string> | undefined }> =
    [];
  private readonly lastDueMsByLink = new Map<string, number>();
  private readonly linkQueues = new Map<string, Array<() => void>>();
  /** `faults` without loss, duplication or reordering (a connection's), made once per `faults`. */
  private reliableFaults: { of: LinkFaults; faults: LinkFaults } | undefined;
  messageCountSent = 0;
  messageCountDropped = 0;
  /** Messages relayed in the step of the message that carried them (no timer of their own). */
  messageCountRelayed = 0;

  /** The broker's process, the end of every publish and the start of every delivery. */
  private readonly broker: SimProcess;
  /** Every stall, crash and restart of its processes, counted. */
  readonly processChanges = new ProcessChanges();

  constructor(
    readonly clock: SimulatedClock,
    private readonly prng: Prng,
  ) {
    this.broker = this.addProcess(BROKER_ID);
  }

  addProcess(processId: string): SimProcess {
    if (this.processes.has(processId)) throw new Error(`SimNetwork: process ${processId} exists`);
    const process = new SimProcess(processId, this.clock, this.processChanges);
    this.processes.set(processId, process);
    return process;
  }

  process(processId: string): SimProcess {
    const process = this.processes.get(processId);
    if (!process) throw new Error(`SimNetwork: no process ${processId}`);
    return process;
  }

  /**
   * Cuts `group` from `from` (default: every process outside the group, the broker included unless
   * it is in the group). `partition(["h1"], [BROKER_ID])` cuts h1 from the broker but not its peers.
   */
  partition(group: readonly string[], from?: readonly string[]): void {
    this.partitions.push({ side: new Set(group), other: from ? new Set(from) : undefined });
    for (const listener of this.partitionListeners) listener();
  }

  /** Called after each new partition (open connections across it break once keepalive notices). */
  readonly partitionListeners: Array<() => void> = [];

  /** Ends every partition. */
  heal(): void {
    this.partitions.length = 0;
  }

  get partitionCount(): number {
    return this.partitions.length;
  }

  /**
   * Whether any message sent now between two running processes arrives at this instant, in the
   * order sent: no fault on any link, no partition, nothing on the way on any link.
   */
  get isCalm(): boolean {
    return this.partitions.length === 0 && this.linkQueues.size === 0 && isFaultless(this.faults);
  }

  /**
   * Counts a message delivered in the step it was sent by a caller that found the network calm
   * and both ends running (as `relay` counts one).
   */
  countRelayedInStep(): void {
    this.messageCountSent++;
    this.messageCountRelayed++;
  }

  /** Whether a message from `a` can reach `b` now (both ends may still be stalled). */
  connected(a: string, b: string): boolean {
    return this.linkUp(a, b, this.processOrUndefined(a), this.processOrUndefined(b));
  }

  /** The process of that id, if any (the broker's without a lookup: it is an end of every message). */
  private processOrUndefined(processId: string): SimProcess | undefined {
    return processId === BROKER_ID ? this.broker : this.processes.get(processId);
  }

  /**
   * `connected` of processes the caller looked up already (`a`'s and `b`'s objects, or undefined):
   * a process keeps its object for good (addProcess never replaces one), so a message on its way
   * looks neither end up again when it arrives.
   */
  private linkUp(a: string, b: string, aProcess: SimProcess | undefined, bProcess: SimProcess | undefined) {
    if (this.partitions.length > 0 && this.isCut(a, b)) return false;
    return aProcess?.state === "running" && bProcess?.state === "running";
  }

  private isCut(a: string, b: string): boolean {
    for (const { side, other } of this.partitions) {
      if (other === undefined ? side.has(a) !== side.has(b) : cuts(side, other, a, b)) return true;
    }
    return false;
  }

  /** Whether `processId` can reach the broker and the broker serves. */
  reachesBroker(processId: string): boolean {
    return this.connected(processId, BROKER_ID);
  }

  /**
   * Sends one message from `from` to `to`: `deliver` runs as `to` after the link's delay, zero
   * times (dropped, cut off), once, or twice (duplicated). Returns whether it left at all.
   * `reliable`: only delayed (a message on a TCP connection), but still lost to a partition or the
   * peer's crash; then `onLost` runs as `from` LINK_LOSS_NOTICE_MS later, as a reset connection is
   * noticed, so that no sender waits forever for what will never come.
   * `source`: `from`'s process when the caller has it already (a bus connection keeps it).
   */
  send(
    from: string,
    to: string,
    deliver: () => void,
    reliable = false,
    onLost?: () => void,
    source: SimProcess | undefined = this.processOrUndefined(from),
  ): boolean {
    this.messageCountSent++;
    const target = this.processOrUndefined(to);
    if (!this.linkUp(from, to, source, target)) {
      this.messageCountDropped++;
      this.noticeLoss(from, onLost);
      return false;
    }
    // Both exist (linkUp): looked up once, for the arrival too.
    const generation = target!.generation;
    // A reliable message rides a connection (gRPC over TCP): late, never lost nor doubled on a live link.
    const faults = reliable ? this.connectionFaults() : this.faults;
    if (isFaultless(faults) && !this.hasInFlight(from, to)) {
      // Nothing on the link and no fault: it arrives at this instant, after what is due now (as
      // the link's queue below would deliver it, without the queue).
      this.arriveNow(from, to, source!, target!, generation, deliver, onLost);
      return true;
    }
    this.sendFaulty(from, to, source!, target!, generation, deliver, onLost, faults);
    return true;
  }

  /**
   * `send` on a link with faults or messages on it (a method of its own: `send`'s common case,
   * above, then makes no context for these closures).
   */
  private sendFaulty(
    from: string,
    to: string,
    source: SimProcess,
    target: SimProcess,
    generation: number,
    deliver: () => void,
    onLost: (() => void) | undefined,
    faults: LinkFaults,
  ): void {
    if (faults.dropRate > 0 && this.prng.nextFloat() < faults.dropRate) {
      this.messageCountDropped++;
      return;
    }
    const copyCount =
      faults.duplicateRate > 0 && this.prng.nextFloat() < faults.duplicateRate ? COPY_COUNT_MAX : 1;
    const link = `${from}>${to}`;
    for (let copy = 0; copy < copyCount; copy++) {
      const dueMs = this.dueMs(link, faults);
      const arrive = () => this.arrive(from, to, source, target, generation, deliver, onLost);
      if (faults.reorder) {
        this.clock.setTimer(dueMs - this.clock.nowMs(), arrive);
        continue;
      }
      // FIFO: whichever of the link's timers fires first delivers the oldest message (timers of
      // equal due times may round to either order in nanoseconds).
      const queue = this.linkQueues.get(link) ?? [];
      this.linkQueues.set(link, queue);
      queue.push(arrive);
      this.clock.setTimer(dueMs - this.clock.nowMs(), () => {
        const next = queue.shift();
        if (queue.length === 0) this.linkQueues.delete(link);
        next?.();
      });
    }
  }

  /**
   * Forwards a message on its arrival (the broker routing a publish to a subscriber): without
   * faults, and with nothing still on the link, it arrives in the same step, as it would at the
   * same instant through `send` (no timer for a hop of zero delay); else it is a `send`.
   * `target`, `source`: `to`'s and `from`'s processes when the caller has them already (a
   * subscription, a connection keeps it).
   */
  relay(
    from: string,
    to: string,
    deliver: () => void,
    target: SimProcess | undefined = this.processOrUndefined(to),
    source: SimProcess | undefined = this.processOrUndefined(from),
  ): void {
    if (!isFaultless(this.faults) || this.hasInFlight(from, to)) {
      this.send(from, to, deliver, false, undefined, source);
      return;
    }
    this.messageCountSent++;
    if (!this.linkUp(from, to, source, target)) {
      this.messageCountDropped++;
      return;
    }
    this.messageCountRelayed++;
    target!.run(deliver, target!.generation);
  }

  /** `arrive` at this instant, after what is due now: the message's own timer record (Arrival). */
  private arriveNow(
    from: string,
    to: string,
    source: SimProcess,
    target: SimProcess,
    generation: number,
    deliver: () => void,
    onLost: (() => void) | undefined,
  ): void {
    this.clock.placeTimer(0, new Arrival(this, from, to, source, target, generation, deliver, onLost));
  }

  /**
   * A message reaches `to`: lost if a partition began while it was on the wire, or `to` crashed.
   * (Called by this file's Arrival too.)
   */
  arrive(
    from: string,
    to: string,
    source: SimProcess,
    target: SimProcess,
    generation: number,
    deliver: () => void,
    onLost: (() => void) | undefined,
  ): void {
    if (this.linkUp(from, to, source, target) && target.generation === generation)
      target.run(deliver, generation);
    else this.noticeLoss(from, onLost);
  }

  /**
   * `from`, an end of a connection, learns that it broke (a message lost, the peer died):
   * `onLost` runs as `from` LINK_LOSS_NOTICE_MS later, never if `from` crashed meanwhile.
   */
  noticeLoss(from: string, onLost: (() => void) | undefined): void {
    if (!onLost) return;
    const sender = this.process(from);
    const senderGeneration = sender.generation;
    this.clock.setTimer(LINK_LOSS_NOTICE_MS, () => sender.run(onLost, senderGeneration));
  }

  /** Whether messages from `from` to `to` wait in the link's FIFO queue. */
  private hasInFlight(from: string, to: string): boolean {
    return this.linkQueues.size > 0 && this.linkQueues.has(`${from}>${to}`);
  }

  /** What a message on a connection (reliable) suffers of `faults`: only their delay. */
  private connectionFaults(): LinkFaults {
    if (this.reliableFaults?.of !== this.faults)
      this.reliableFaults = {
        of: this.faults,
        faults: { ...this.faults, dropRate: 0, duplicateRate: 0, reorder: false },
      };
    return this.reliableFaults.faults;
  }

  private dueMs(link: string, faults: LinkFaults): number {
    const spreadMs = faults.delayMsMax - faults.delayMsMin;
    const delayMs = faults.delayMsMin + (spreadMs > 0 ? this.prng.nextFloat() * spreadMs : 0);
    let dueMs = this.clock.nowMs() + delayMs;
    if (!faults.reorder) {
      dueMs = Math.max(dueMs, this.lastDueMsByLink.get(link) ?? 0);
      this.lastDueMsByLink.set(link, dueMs);
    }
    return dueMs;
  }
}

/**
 * A faultless message due at this instant (SimNetwork.arriveNow) as its own SimulatedClock timer
 * record: what `arrive` needs, and one shared function to fire it (SimulatedClock calls it with the
 * record as `this`), instead of a record, a closure and its context per message. Made with new: a
 * class has no allocation site for V8 to pretenure (core/clock.ts TimerRecord).
 */
class Arrival extends TimerRecord {
  constructor(
    readonly network: SimNetwork,
    readonly from: string,
    readonly to: string,
    readonly source: SimProcess,
    readonly target: SimProcess,
    readonly generation: number,
    readonly deliver: () => void,
    readonly onLost: (() => void) | undefined,
  ) {
    super(arrivalDue);
  }
}

function arrivalDue(this: Arrival): void {
  this.network.arrive(
    this.from,
    this.to,
    this.source,
    this.target,
    this.generation,
    this.deliver,
    this.onLost,
  );
}

/** Whether `f` neither drops, doubles, delays nor reorders a message. */
export function isFaultless(f: LinkFaults): boolean {
  return f.dropRate === 0 && f.duplicateRate === 0 && f.delayMsMin === 0 && f.delayMsMax === 0 && !f.reorder;
}

function cuts(side: ReadonlySet<string>, other: ReadonlySet<string>, a: string, b: string): boolean {
  return (side.has(a) && other.has(b)) || (side.has(b) && other.has(a));
}
