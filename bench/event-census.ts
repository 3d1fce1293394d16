import { AsyncLocalStorage } from "node:async_hooks";
import type { SimulatedClock } from "../services/core/clock.js";
import type { SimNetwork } from "../services/sim/network.js";

// bench:simcluster's census of an idle cluster's events, by kind: who set each timer the clock
// fires and who sent each message the network carries. Counted (measured), in a run of its own:
// finding the cause of each event costs a stack trace, so the timed runs do not take a census.

/** Source files of the machinery that carries events: a cause is looked for past their frames. */
const CARRIER_FILES = [
  "/core/clock.",
  "/core/simulation.",
  "/sim/process.",
  "/sim/network.",
  "/sim/rpc.",
  "/sim/sim-bus.",
  "/sim/sim-kv.",
  "/sim/sim-gateway.",
  "/contracts/bus.",
  "/bench/",
  "node:",
];
/** Stack frames looked at for a cause (the carriers take up to a dozen). */
const STACK_FRAME_COUNT_MAX = 40;

export type CensusEventType = "timer" | "message" | "relay";

export interface CensusRow {
  /** The function that set the timer or sent the message (or whose event led to it). */
  cause: string;
  type: CensusEventType;
  count: number;
}

/** What caused each event: its code's first frame past the carriers, else the event it followed. */
export class EventCensus {
  private readonly counts = new Map<string, CensusRow>();
  private readonly context = new AsyncLocalStorage<string>();
  private readonly undo: Array<() => void> = [];

  /** Starts counting the cluster's events (its clock's timers, its network's messages and relays). */
  constructor(clock: SimulatedClock, network: SimNetwork) {
    // Every timer is placed here (setTimer, schedule, a re-armed ClockTimer): its function is wrapped.
    const placeTimer = clock.placeTimer.bind(clock);
    let sending: string | undefined;
    clock.placeTimer = (delayMs, timer) => {
      const cause = sending ?? this.cause();
      const type: CensusEventType = sending === undefined ? "timer" : "message";
      const fn = timer.fn;
      // The clock calls a timer's function with the timer as this (core/clock.ts): so does the wrapper.
      if (fn !== undefined)
        timer.fn = () => {
          this.count(cause, type);
          this.context.run(cause, () => fn.call(timer));
        };
      placeTimer(delayMs, timer);
    };
    const send = network.send.bind(network);
    network.send = (from, to, deliver, reliable, onLost) => {
      const outer = sending;
      sending = this.cause();
      const cause = sending;
      try {
        return send(from, to, () => this.context.run(cause, deliver), reliable, onLost);
      } finally {
        sending = outer;
      }
    };
    const relay = network.relay.bind(network);
    network.relay = (from, to, deliver) => {
      const cause = this.cause();
      const relayedBefore = network.messageCountRelayed;
      relay(from, to, () => this.context.run(cause, deliver));
      if (network.messageCountRelayed > relayedBefore) this.count(cause, "relay");
    };
    // A message a caller found the network calm for, handed over in its step (SimBroker's shared-second path).
    const countRelayedInStep = network.countRelayedInStep.bind(network);
    network.countRelayedInStep = () => {
      this.count(this.cause(), "relay");
      countRelayedInStep();
    };
    this.undo.push(() => {
      clock.placeTimer = placeTimer;
      network.send = send;
      network.relay = relay;
      network.countRelayedInStep = countRelayedInStep;
    });
  }

  /** Forgets what was counted so far (the cluster's start), not the causes of timers already set. */
  reset(): void {
    this.counts.clear();
  }

  stop(): void {
    for (const undo of this.undo.splice(0)) undo();
  }

  /** The rows, most frequent first. */
  rows(): CensusRow[] {
    return [...this.counts.values()].sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
  }

  private count(cause: string, type: CensusEventType): void {
    const key = `${type} ${cause}`;
    const row = this.counts.get(key);
    if (row) row.count++;
    else this.counts.set(key, { cause, type, count: 1 });
  }

  private cause(): string {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = STACK_FRAME_COUNT_MAX;
    const stack = new Error().stack ?? "";
    Error.stackTraceLimit = limit;
    const lines = stack.split("\n").slice(1);
    // Frames that called it, then the event it follows, then what awaited it (async frames).
    const sync = lines.filter((line) => !line.includes(" at async "));
    const awaited = lines.filter((line) => line.includes(" at async "));
    return causeIn(sync) ?? this.context.getStore() ?? causeIn(awaited) ?? "(unknown)";
  }
}

/** The TypeScript source a frame's file was built from (dist/ runs .js, vitest the .ts itself). */
function source(file: string): string {
  return file.replace(/\.js$/, ".ts");
}

/** The first frame of project code past the carriers, as `Function (folder/file.ts)` or `file.ts:line`. */
function causeIn(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    if (CARRIER_FILES.some((file) => line.includes(file))) continue;
    const frame = /at (?:async )?(\S+) \(.*\/services\/(.+?):\d+:\d+\)/.exec(line);
    if (frame) return `${frame[1]} (${source(frame[2] ?? "")})`;
    const anonymous = /\/services\/(.+?):(\d+):\d+/.exec(line);
    if (anonymous) return `${source(anonymous[1] ?? "")}:${anonymous[2]}`;
  }
  return undefined;
}
