import {
  decodeJsonOrUndefined,
  encodeJson,
  handOverJson,
  jsonCopy,
  subjectMatches,
  type BusHandler,
  type BusSubscription,
  type JsonBus,
  type JsonForm,
  type JsonHandler,
  type SubjectMemo,
} from "../contracts/bus.js";
import type { BusHealth } from "../contracts/bus-health.js";
import { BROKER_ID, type SimNetwork } from "./network.js";
import type { SimAuthorizer } from "./sim-authorization.js";
import type { SimProcess } from "./process.js";

/** Subjects whose subscribers the broker remembers (migration subjects are new each time: a bound). */
const ROUTE_CACHE_SUBJECT_COUNT_MAX = 10_000;

interface Subscription {
  processId: string;
  /** The subscriber's process (its object for good: SimNetwork never replaces one). */
  process: SimProcess;
  /** The subscriber's process generation: a crash ends its subscriptions. */
  generation: number;
  pattern: string;
  /** A subscriber of bytes (subscribe) or of JSON values (subscribeJson). */
  handler: { bytes: BusHandler } | { json: JsonHandler };
}

/**
 * One message on the broker: the bytes a process published, or the JSON value it published with
 * publishJson (a frozen copy, shared by the subscribers). Each form is made from the other at most
 * once, when a subscriber wants it: a subscriber of bytes gets JSON text, as from NATS.
 */
class SimMessage {
  /** `bytes` (undefined for a JSON value until a subscriber of bytes wants them), or `value`. */
  constructor(
    private bytes: Uint8Array | undefined,
    private readonly value: unknown,
    private readonly hasValue: boolean,
  ) {}

  deliver(subject: string, handler: Subscription["handler"]): void {
    if ("bytes" in handler) handler.bytes(subject, (this.bytes ??= encodeJson(this.value)));
    else if (this.hasValue) handler.json(subject, this.value, true);
    else handler.json(subject, decodeJsonOrUndefined(this.bytes!), false);
  }
}

/**
 * What the broker found for a connection's last subject at its last publish (a host publishes
 * little but its heartbeat): that its member may publish there, and who subscribes to it, each
 * while it stands (no admission since, no subscription made or ended since). The heartbeat a second
 * then reaches its subscribers without the authorizer's and the routes' lookups by string. It is
 * also the SubjectMemo of its lone subscriber (publishInStep), emptied whenever the subject or the
 * subscribers are found anew.
 */
class PublishRoute implements SubjectMemo {
  subject: string | undefined = undefined;
  /** The authorizer's admitVersion when the subject was found allowed; -1 when not known to be. */
  allowedAtAdmitVersion = -1;
  /** The broker's subscriptionVersion when `targets` were found; -1 when not found yet. */
  targetsAtVersion = -1;
  targets: readonly Subscription[] = [];
  kept: unknown = undefined;
  /**
   * The network's count of stalls, crashes and restarts when the publisher's process was last found
   * running (its state; a stall does not change it): while the count stands, it still is, and
   * publishInStep need not read the process (one object of each host's less per heartbeat).
   */
  publisherRunningAtChangeCount = -1;
}

/** A publishing connection as the broker sees it: its process (once known) and its PublishRoute. */
interface Publisher {
  readonly processId: string;
  readonly process: SimProcess | undefined;
  readonly route: PublishRoute;
}

/**
 * nats-server in the one-process cluster: a publish travels publisher -> broker -> each subscriber
 * over the simulated network, so it meets that network's faults (lost while the publisher is cut off
 * or the broker is down, dropped, delayed, duplicated, reordered) and runs in the subscriber's
 * process (held while it is stalled, lost if it crashed). Subscriptions, as a NATS client's, survive
 * a broker outage: the client resubscribes when it reconnects.
 */
export class SimBroker {
  private readonly exact = new Map<string, Set<Subscription>>();
  private readonly wildcard = new Set<Subscription>();
  /** Each subject's subscribers, as `route` found them since the last change of subscriptions. */
  private readonly routes = new Map<string, readonly Subscription[]>();
  /** Grows with every subscription made or ended (PublishRoute's targets are found again). */
  private subscriptionVersion = 0;
  /**
   * While true, a connection's publish reaches the broker in the step it is made, as a relayed
   * message does (SimNetwork.relay: only on a faultless link with nothing on it, else it is sent as
   * any other): set by the shared second (sim/shared-second.ts) around its members' repeats, which
   * their own timers would have published at this same instant.
   */
  relayPublishes = false;

  /** `authorizer`: nats-server's permissions for each member (none: a server without them). */
  constructor(
    private readonly network: SimNetwork,
    private readonly authorizer?: SimAuthorizer,
  ) {}

  /** The bus as process `processId` sees it (its NATS connection), and whether it reaches the broker. */
  connect(processId: string): JsonBus & BusHealth {
    return new SimBusConnection(this, processId);
  }

  /** Whether `processId` reaches the broker now: the broker runs and no partition cuts them. */
  reaches(processId: string): boolean {
    return this.network.reachesBroker(processId);
  }

  /** A message as anyone on the broker could publish it (a forged or stale one, for fault tests). */
  inject(subject: string, data: Uint8Array): void {
    this.route(subject, new SimMessage(new Uint8Array(data), undefined, false));
  }

  publish(processId: string, subject: string, data: Uint8Array, publisher?: Publisher): void {
    // A copy (Buffer.slice would share); the publisher may reuse its buffer.
    const message = new SimMessage(new Uint8Array(data), undefined, false);
    this.send(processId, subject, message, publisher);
  }

  /**
   * A JSON message, carried as a frozen copy of its value, the value frozen if handed over, or the
   * value itself if it is a FrozenJson (JsonBus.publishJson).
   */
  publishJson(
    processId: string,
    subject: string,
    value: unknown,
    form: JsonForm = "copy",
    publisher?: Publisher,
  ): void {
    const carried = form === "frozen" ? value : form === "handOver" ? handOverJson(value) : jsonCopy(value);
    if (this.relayPublishes && publisher !== undefined && this.publishInStep(publisher, subject, carried))
      return;
    const message = new SimMessage(undefined, carried, true);
    this.send(processId, subject, message, publisher);
  }

  /**
   * send, acceptFrom and routeInStep in one for the shared second's repeats, when they would hand
   * the value over in this step and check nothing else: a calm network, the publisher and the
   * broker running, the connection's route standing for this subject, and one subscriber, of JSON
   * values, running in the generation it subscribed in. False (nothing done) otherwise.
   */
  private publishInStep(publisher: Publisher, subject: string, value: unknown): boolean {
    const route = publisher.route;
    const authorizer = this.authorizer;
    if (
      route.subject !== subject ||
      route.targetsAtVersion !== this.subscriptionVersion ||
      route.targets.length !== 1 ||
      (authorizer !== undefined && route.allowedAtAdmitVersion !== authorizer.admitVersion)
    )
      return false;
    const network = this.network;
    if (!network.isCalm || !this.brokerProcess.isRunning) return false;
    const changeCount = network.processChanges.count;
    if (route.publisherRunningAtChangeCount !== changeCount) {
      if (publisher.process?.state !== "running") return false;
      route.publisherRunningAtChangeCount = changeCount;
    }
    const target = route.targets[0]!;
    const handler = target.handler;
    if (!("json" in handler) || !target.process.isRunning || target.process.generation !== target.generation)
      return false;
    network.countRelayedInStep(); // publisher -> broker
    network.countRelayedInStep(); // broker -> subscriber
    handler.json(subject, value, true, route);
    return true;
  }

  /** A publish on its way from the publisher to the broker. */
  private send(processId: string, subject: string, message: SimMessage, publisher: Publisher | undefined) {
    if (this.relayPublishes && publisher !== undefined) {
      const network = this.network;
      const broker = this.brokerProcess;
      if (network.isCalm && broker.isRunning && publisher.process?.state === "running") {
        // Both ends run and nothing on the way can change it: the relay's checks, done once.
        network.countRelayedInStep();
        this.acceptFrom(publisher, subject, message, true);
        return;
      }
      this.network.relay(
        processId,
        BROKER_ID,
        () => this.acceptFrom(publisher, subject, message),
        this.brokerProcess,
        publisher.process,
      );
      return;
    }
    if (publisher === undefined)
      this.network.send(processId, BROKER_ID, () => this.accept(processId, subject, message));
    else
      this.network.send(
        processId,
        BROKER_ID,
        () => this.acceptFrom(publisher, subject, message),
        false,
        undefined,
        publisher.process,
      );
  }

  /** At the broker: a publish its member may not make is dropped (the server tells the client, -ERR). */
  private accept(processId: string, subject: string, message: SimMessage): void {
    if (this.authorizer?.publishRefusal(processId, subject) === undefined)
      this.routeTo(this.subscribersOf(subject), subject, message);
  }

  /**
   * `accept` for a connection's publish: the authorizer asked, and the subscribers found, only when
   * its PublishRoute does not stand for this subject (same verdict, same subscribers, same order).
   */
  private acceptFrom(publisher: Publisher, subject: string, message: SimMessage, calm = false): void {
    const route = publisher.route;
    if (route.subject !== subject) {
      route.subject = subject;
      route.allowedAtAdmitVersion = -1;
      route.targetsAtVersion = -1;
      route.kept = undefined;
    }
    const authorizer = this.authorizer;
    if (authorizer !== undefined && route.allowedAtAdmitVersion !== authorizer.admitVersion) {
      if (authorizer.publishRefusal(publisher.processId, subject) !== undefined) return;
      route.allowedAtAdmitVersion = authorizer.admitVersion;
    }
    if (route.targetsAtVersion !== this.subscriptionVersion) {
      route.targets = this.subscribersOf(subject);
      route.targetsAtVersion = this.subscriptionVersion;
      route.kept = undefined;
    }
    if (calm) this.routeInStep(route.targets, subject, message);
    else this.routeTo(route.targets, subject, message);
  }

  /**
   * routeTo on a calm network (SimNetwork.isCalm) from a running broker: a subscriber that runs now
   * gets the message in this step, as `relay` would hand it over; any other goes through `relay`.
   */
  private routeInStep(targets: readonly Subscription[], subject: string, message: SimMessage): void {
    // Found at this version (acceptFrom): while it stands, every target is still subscribed.
    const version = this.subscriptionVersion;
    for (const target of targets) {
      if (target.process.isRunning) {
        this.network.countRelayedInStep();
        if (this.subscriptionVersion !== version) this.deliver(target, subject, message);
        else if (target.process.generation === target.generation) message.deliver(subject, target.handler);
      } else
        this.network.relay(
          BROKER_ID,
          target.processId,
          () => this.deliver(target, subject, message),
          target.process,
        );
    }
  }

  private get brokerProcess(): SimProcess {
    return (this.brokerProcessKnown ??= this.network.process(BROKER_ID));
  }

  private brokerProcessKnown: SimProcess | undefined;

  processOf(processId: string): SimProcess {
    return this.network.process(processId);
  }

  processOrUndefined(processId: string): SimProcess | undefined {
    return this.network.processes.get(processId);
  }

  /** A subscription its member may not make is refused: nothing is ever delivered to it. */
  subscribe(subscription: Subscription): () => void {
    if (this.authorizer?.subscribeRefusal(subscription.processId, subscription.pattern) !== undefined)
      return () => undefined;
    this.routes.clear();
    this.subscriptionVersion++;
    const wild = subscription.pattern.includes("*") || subscription.pattern.includes(">");
    if (wild) this.wildcard.add(subscription);
    else {
      const set = this.exact.get(subscription.pattern) ?? new Set();
      set.add(subscription);
      this.exact.set(subscription.pattern, set);
    }
    return () => {
      this.routes.clear();
      this.subscriptionVersion++;
      if (wild) this.wildcard.delete(subscription);
      else this.exact.get(subscription.pattern)?.delete(subscription);
    };
  }

  private route(subject: string, message: SimMessage): void {
    this.routeTo(this.subscribersOf(subject), subject, message);
  }

  private routeTo(targets: readonly Subscription[], subject: string, message: SimMessage): void {
    for (const target of targets)
      this.network.relay(
        BROKER_ID,
        target.processId,
        () => this.deliver(target, subject, message),
        target.process,
      );
  }

  /** A message reaches a subscriber's process: delivered unless the process restarted or unsubscribed. */
  private deliver(target: Subscription, subject: string, message: SimMessage): void {
    const alive = target.process.generation === target.generation;
    if (alive && this.isSubscribed(target)) message.deliver(subject, target.handler);
  }

  /** The exact subscribers, then the wildcard ones, each in the order they subscribed. */
  private subscribersOf(subject: string): readonly Subscription[] {
    const known = this.routes.get(subject);
    if (known) return known;
    const targets: Subscription[] = [...(this.exact.get(subject) ?? [])];
    for (const s of this.wildcard) if (subjectMatches(s.pattern, subject)) targets.push(s);
    if (this.routes.size >= ROUTE_CACHE_SUBJECT_COUNT_MAX) this.routes.clear();
    this.routes.set(subject, targets);
    return targets;
  }

  private isSubscribed(s: Subscription): boolean {
    return this.wildcard.has(s) || (this.exact.get(s.pattern)?.has(s) ?? false);
  }
}

/** The broker as the scheduler's words name it in one process (the real one names its URL). */
export const SIM_BROKER_NAME = `nats-server (simulated, process "${BROKER_ID}")`;

/** A connection is its own PublishRoute: one object per publish read, not two. */
class SimBusConnection extends PublishRoute implements JsonBus, BusHealth, Publisher {
  readonly brokerName = SIM_BROKER_NAME;
  private readonly cancels = new Set<() => void>();
  private closed = false;
  /** Its process, once the network has it (a process keeps its object for good). */
  private processKnown: SimProcess | undefined;

  constructor(
    private readonly broker: SimBroker,
    readonly processId: string,
  ) {
    super();
  }

  get route(): PublishRoute {
    return this;
  }

  get process(): SimProcess | undefined {
    return (this.processKnown ??= this.broker.processOrUndefined(this.processId));
  }

  publish(subject: string, data: Uint8Array): void {
    if (this.closed) throw new Error(`SimBus(${this.processId}): publish after close`);
    this.broker.publish(this.processId, subject, data, this);
  }

  publishJson(subject: string, value: unknown, form: JsonForm = "copy"): void {
    if (this.closed) throw new Error(`SimBus(${this.processId}): publish after close`);
    this.broker.publishJson(this.processId, subject, value, form, this);
  }

  subscribe(pattern: string, handler: BusHandler): BusSubscription {
    return this.add(pattern, { bytes: handler });
  }

  subscribeJson(pattern: string, handler: JsonHandler): BusSubscription {
    return this.add(pattern, { json: handler });
  }

  private add(pattern: string, handler: Subscription["handler"]): BusSubscription {
    const process = this.broker.processOf(this.processId);
    const generation = process.generation;
    const cancel = this.broker.subscribe({
      processId: this.processId,
      process,
      generation,
      pattern,
      handler,
    });
    this.cancels.add(cancel);
    return {
      unsubscribe: () => {
        cancel();
        this.cancels.delete(cancel);
      },
    };
  }

  /** Read, never told: no event of the simulation depends on it (scheduler/broker-link.ts). */
  isConnected(): boolean {
    return !this.closed && this.broker.reaches(this.processId);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    return Promise.resolve();
  }
}
