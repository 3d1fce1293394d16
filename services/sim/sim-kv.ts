import { ToolstackError } from "../dom0/errors.js";
import { StoreUnavailableError, type StateStore, type StoreEntry } from "../contracts/state-store.js";
import type { Statefile, StatefileEntry } from "../contracts/statefile.js";
import { kvWriteSubject, storeWriteRefusal } from "../identity/nats-authorization.js";
import { BROKER_ID, isFaultless, type SimNetwork } from "./network.js";
import type { SimProcess } from "./process.js";
import { simCall, type CallOptions } from "./rpc.js";
import { PrefixEntries, SortedKeys, type KvSnapshot } from "./kv-snapshot.js";
import type { SimAuthorizer } from "./sim-authorization.js";

/** A JetStream request's timeout (nats.js's default): how long a KV call waits for the broker. */
export const KV_TIMEOUT_MS = 5000;
/** What nats.js says of a request the broker did not answer (NatsError code TIMEOUT). */
export const NATS_REQUEST_TIMEOUT_TEXT = "TIMEOUT";
/** The HA statefile's request timeout (transport/bus/nats-statefile.ts's STATEFILE_REQUEST_TIMEOUT_MS). */
export const STATEFILE_TIMEOUT_MS = 2000;
/** Keys whose write subject the bucket remembers (guests' and migrations' keys come and go: a bound). */
const WRITE_SUBJECT_KEY_COUNT_MAX = 10_000;

/** A value and the bucket's sequence number when it was written (JetStream's revision). */
export type KvEntry = StoreEntry;

/**
 * The JetStream key-value bucket in the one-process cluster: it lives in the broker process, keeps
 * every key's revision for compare-and-set, and survives a broker restart (JetStream's file store).
 * Reached only through `connect(processId)`, over the simulated network.
 */
export class SimKv {
  private readonly entries = new Map<string, KvEntry>();
  /** When each key was last written, on the simulated clock (checkers only: JetStream keeps no such time here). */
  private readonly writtenAtMs = new Map<string, number>();
  /** Each key's watchers, in the order they watched (a write looks at its key's alone: 1,000 hosts watch one key). */
  private readonly watchersByKey = new Map<string, Set<KvWatcher>>();
  private revisionLast = 0;
  /** SimKv.sortedKeys's lists, until a key under their prefix is added or deleted. */
  private readonly sortedKeysByPrefix = new Map<string, SortedKeys>();
  /** SimKv.entriesNow's entries, per prefix read, until a key under it is added or deleted (a few prefixes). */
  private readonly entriesByPrefix: PrefixEntries[] = [];
  /**
   * Each key's `$KV.<bucket>.<key>` subject, made once: a subject made afresh for every write (a
   * lease renewal) is a new string that the authorizer's lookup must flatten and hash again.
   */
  private readonly writeSubjects = new Map<string, string>();

  /** `authorizer`: nats-server's permissions, checked on every write (none: a server without them). */
  constructor(
    private readonly network: SimNetwork,
    readonly authorizer?: SimAuthorizer,
  ) {
    this.broker = network.process(BROKER_ID);
    network.partitionListeners.push(() => this.breakCutWatches());
  }

  /** The broker's process, whose generation moves when it goes down and when it comes back. */
  private readonly broker: SimProcess;

  connect(processId: string): SimKvClient {
    return new SimKvClient(this, this.network, processId);
  }

  /** The same bucket as the HA statefile of `processId` (docs/specs/ha.md §3). */
  statefile(processId: string): SimStatefile {
    return new SimStatefile(this, this.network, processId);
  }

  /**
   * At the broker, before a write by `processId`: refused as nats-server refuses a publish on
   * `$KV.<bucket>.<key>` its member may not make (PERMISSION_DENIED, the real store's words).
   */
  authorizeWrite(processId: string, operation: string, key: string): void {
    if (this.authorizer === undefined) return;
    const refusal = this.authorizer.publishRefusal(processId, this.writeSubject(key));
    if (refusal !== undefined)
      throw new ToolstackError("PERMISSION_DENIED", storeWriteRefusal(operation, key, refusal));
  }

  private writeSubject(key: string): string {
    let subject = this.writeSubjects.get(key);
    if (subject === undefined) {
      subject = kvWriteSubject(key);
      if (this.writeSubjects.size >= WRITE_SUBJECT_KEY_COUNT_MAX) this.writeSubjects.clear();
      this.writeSubjects.set(key, subject);
    }
    return subject;
  }

  /** What the bucket holds, read directly (checkers and tests only; processes go through connect). */
  peek(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  /** When `key` was last written (simulated ms), for checkers; undefined if never or deleted. */
  peekWrittenAtMs(key: string): number | undefined {
    return this.writtenAtMs.get(key);
  }

  keysNow(prefix: string): string[] {
    return this.sortedKeys(prefix).keys.slice();
  }

  /**
   * The keys starting with `prefix`, sorted: kept per prefix until a key under it is added or
   * deleted (the scheduler lists 1,000 leases every renew interval; an idle cluster's keys stay the
   * same). Read only: the list is shared.
   */
  private sortedKeys(prefix: string): SortedKeys {
    let keys = this.sortedKeysByPrefix.get(prefix);
    if (keys === undefined) {
      keys = new SortedKeys([...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort());
      this.sortedKeysByPrefix.set(prefix, keys);
    }
    return keys;
  }

  /**
   * Every key starting with `prefix`, in order, with its entry now (entries are never changed:
   * shared), as a read-only map: an array of the entries, the keys shared (KvSnapshot).
   */
  entriesNow(prefix: string): KvSnapshot {
    return this.prefixEntries(prefix).snapshot();
  }

  /** The entries under `prefix`, kept (PrefixEntries) until a key under it is added or deleted. */
  private prefixEntries(prefix: string): PrefixEntries {
    for (const kept of this.entriesByPrefix) if (kept.prefix === prefix) return kept;
    const sorted = this.sortedKeys(prefix);
    const list = sorted.keys.map((key) => this.entries.get(key)!);
    const made = new PrefixEntries(prefix, sorted, list);
    this.entriesByPrefix.push(made);
    return made;
  }

  put(key: string, value: string): number {
    const revision = ++this.revisionLast;
    const keyCount = this.entries.size;
    const entry = { value, revision };
    this.entries.set(key, entry);
    if (this.entries.size !== keyCount) this.keysChanged(key);
    else for (const kept of this.entriesByPrefix) if (key.startsWith(kept.prefix)) kept.replace(key, entry);
    this.writtenAtMs.set(key, this.network.clock.nowMs());
    this.notify(key);
    return revision;
  }

  /**
   * A KV watch of `key` by process `processId` (nats.js `kv.watch`, an ordered consumer): each
   * write is pushed from the broker to the watcher as a message, lost as messages are (a partition,
   * a crash: the watch ends with the watcher's process generation). Returns the unwatch.
   */
  watch(processId: string, key: string, onChange: (entry: KvEntry | undefined) => void): () => void {
    const watcher = this.openWatch(processId, key, onChange);
    return () => this.unwatch(watcher);
  }

  /** `watch`, returning the watcher itself (its `breakCount`: SimStatefile.watchContinuity). */
  openWatch(processId: string, key: string, onChange: (entry: KvEntry | undefined) => void): KvWatcher {
    const watcher: KvWatcher = {
      processId,
      generation: this.network.process(processId).generation,
      key,
      onChange,
      breakCount: 0,
    };
    let watchers = this.watchersByKey.get(key);
    if (watchers === undefined) this.watchersByKey.set(key, (watchers = new Set()));
    watchers.add(watcher);
    return watcher;
  }

  /**
   * How often the watch may have missed a change: a push that may be lost (sent while the watcher
   * was cut from the broker or while the network drops and delays messages: a silent gap the sim
   * does not model the consumer's heartbeats for), the connection cut by a partition, the broker
   * down or restarted since (`brokerGeneration`: nats.js opens the watch again).
   */
  watchContinuity(watcher: KvWatcher): number {
    return watcher.breakCount + this.broker.generation;
  }

  /** A new partition: every watch it cuts from the broker lost its connection. */
  private breakCutWatches(): void {
    for (const watchers of this.watchersByKey.values())
      for (const watcher of watchers)
        if (!this.network.connected(BROKER_ID, watcher.processId)) watcher.breakCount++;
  }

  unwatch(watcher: KvWatcher): void {
    const watchers = this.watchersByKey.get(watcher.key);
    if (watchers?.delete(watcher) && watchers.size === 0) this.watchersByKey.delete(watcher.key);
  }

  /** `key` was added or deleted: the lists of the prefixes it is under are dropped (not the others'). */
  private keysChanged(key: string): void {
    for (const prefix of this.sortedKeysByPrefix.keys())
      if (key.startsWith(prefix)) this.sortedKeysByPrefix.delete(prefix);
    const kept = this.entriesByPrefix;
    let keptCount = 0;
    for (const entries of kept) if (!key.startsWith(entries.prefix)) kept[keptCount++] = entries;
    kept.length = keptCount;
  }

  private notify(key: string): void {
    const watchers = this.watchersByKey.get(key);
    if (watchers === undefined) return;
    const entry = this.entries.get(key);
    for (const watcher of watchers) {
      if (this.network.process(watcher.processId).generation !== watcher.generation) {
        this.unwatch(watcher);
        continue;
      }
      if (!isFaultless(this.network.faults) || !this.network.connected(BROKER_ID, watcher.processId))
        watcher.breakCount++;
      this.network.relay(BROKER_ID, watcher.processId, () => watcher.onChange(entry));
    }
  }

  /** Writes `key` only if its revision is `expected` (0: only if absent), as KV.update/create do. */
  compareAndSet(key: string, value: string, expected: number): number {
    const current = this.entries.get(key)?.revision ?? 0;
    if (current !== expected)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `wrong last sequence for ${key}: ${current} (expected ${expected})`,
      );
    return this.put(key, value);
  }

  /** KV.create: writes only if absent; the new revision, or undefined. */
  createIfAbsent(key: string, value: string): number | undefined {
    return this.entries.has(key) ? undefined : this.put(key, value);
  }

  /** KV.update: writes only at `revision`; the new revision, or undefined. */
  updateAt(key: string, value: string, revision: number): number | undefined {
    return this.entries.get(key)?.revision === revision ? this.put(key, value) : undefined;
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.keysChanged(key);
    this.writtenAtMs.delete(key);
    this.notify(key);
  }
}

interface KvWatcher {
  processId: string;
  /** The watcher's process generation: a crash ends its watch. */
  generation: number;
  key: string;
  onChange: (entry: KvEntry | undefined) => void;
  /** Times a push to it may have been lost or its connection broke (SimKv.watchContinuity). */
  breakCount: number;
}

/** One process's connection to the bucket: every call crosses the network and may fail UNAVAILABLE. */
abstract class SimBucketConnection {
  constructor(
    protected readonly kv: SimKv,
    private readonly network: SimNetwork,
    protected readonly processId: string,
    readonly timeoutMs: number,
    readonly label: string,
  ) {}

  /** `verb` and `subject` (a key, a prefix): what the call is, in its error (`get h1`). */
  protected call<T>(verb: string, subject: string, work: () => T): Promise<T> {
    return simCall(this.network, this.processId, BROKER_ID, work, new BucketCallOptions(this, verb, subject));
  }

  /** A write of `key`: a call the broker refuses when this member may not write that key. */
  protected write<T>(operation: string, key: string, work: () => T): Promise<T> {
    return this.call(operation, key, () => {
      this.kv.authorizeWrite(this.processId, operation, key);
      return work();
    });
  }

  /** The error of a call (`what`: `get h1`) the broker did not answer; undefined: the network's own. */
  unanswered(_what: string): Error | undefined {
    return undefined;
  }
}

/**
 * A bucket call's options: its words are made only if it fails (a renewal every few seconds per
 * host, nearly all answered: no strings and no closure per call).
 */
class BucketCallOptions implements CallOptions {
  readonly deadlineMs: number;

  constructor(
    private readonly connection: SimBucketConnection,
    private readonly verb: string,
    private readonly subject: string,
  ) {
    this.deadlineMs = connection.timeoutMs;
  }

  get what(): string {
    return `${this.connection.label} ${this.verb} ${this.subject}`;
  }

  unanswered(): Error | undefined {
    return this.connection.unanswered(`${this.verb} ${this.subject}`);
  }
}

/**
 * One process's state store on the bucket (transport/kv/nats-kv-store.ts on JetStream). A call the
 * broker does not answer fails as the real store's does, with the same words: StoreUnavailableError
 * "the cluster's state store cannot be reached (get: TIMEOUT)" (nats.js's request timeout), so a
 * refusal reads the same in `xsim sim` as over NATS.
 */
export class SimKvClient extends SimBucketConnection implements StateStore {
  constructor(kv: SimKv, network: SimNetwork, processId: string) {
    super(kv, network, processId, KV_TIMEOUT_MS, "KV");
  }

  override unanswered(what: string): Error {
    return new StoreUnavailableError(what.split(" ")[0]!, new Error(NATS_REQUEST_TIMEOUT_TEXT));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.entry(key))?.value;
  }

  entry(key: string): Promise<KvEntry | undefined> {
    return this.call("get", key, () => this.kv.peek(key));
  }

  async put(key: string, value: string): Promise<void> {
    await this.write("put", key, () => this.kv.put(key, value));
  }

  compareAndSet(key: string, value: string, expectedRevision: number): Promise<number> {
    return this.write("update", key, () => this.kv.compareAndSet(key, value, expectedRevision));
  }

  delete(key: string): Promise<void> {
    return this.write("delete", key, () => this.kv.delete(key));
  }

  create(key: string, value: string): Promise<number | undefined> {
    return this.write("create", key, () => this.kv.createIfAbsent(key, value));
  }

  update(key: string, value: string, revision: number): Promise<number | undefined> {
    return this.write("update", key, () => this.kv.updateAt(key, value, revision));
  }

  remove(key: string, revision: number): Promise<boolean> {
    return this.write("remove", key, () => {
      if (this.kv.peek(key)?.revision !== revision) return false;
      this.kv.delete(key);
      return true;
    });
  }

  keys(prefix: string): Promise<string[]> {
    return this.call("keys", prefix, () => this.kv.keysNow(prefix));
  }
}

/**
 * One process's HA statefile on the bucket (what transport/bus/nats-statefile.ts is on JetStream):
 * every call crosses the network and fails UNAVAILABLE after STATEFILE_TIMEOUT_MS without answer.
 */
export class SimStatefile extends SimBucketConnection implements Statefile {
  /** This process's watch of each key (the last one opened). */
  private readonly watchers = new Map<string, KvWatcher>();

  constructor(kv: SimKv, network: SimNetwork, processId: string) {
    super(kv, network, processId, STATEFILE_TIMEOUT_MS, "statefile");
  }

  read(key: string): Promise<StatefileEntry | undefined> {
    return this.call("get", key, () => this.kv.peek(key));
  }

  readAll(prefix: string): Promise<ReadonlyMap<string, StatefileEntry>> {
    return this.call("keys", prefix, () => this.kv.entriesNow(prefix));
  }

  put(key: string, value: string): Promise<number> {
    return this.write("put", key, () => this.kv.put(key, value));
  }

  /** `write`'s call with one closure, not two: every host renews its lease with it every few seconds. */
  update(key: string, value: string, revision: number): Promise<number | undefined> {
    return this.call("update", key, () => {
      this.kv.authorizeWrite(this.processId, "update", key);
      return this.kv.updateAt(key, value, revision);
    });
  }

  create(key: string, value: string): Promise<number | undefined> {
    return this.write("create", key, () => this.kv.createIfAbsent(key, value));
  }

  remove(key: string): Promise<void> {
    return this.write("delete", key, () => this.kv.delete(key));
  }

  watch(key: string, onChange: (entry: StatefileEntry | undefined) => void): () => void {
    const watcher = this.kv.openWatch(this.processId, key, onChange);
    this.watchers.set(key, watcher);
    return () => {
      if (this.watchers.get(key) === watcher) this.watchers.delete(key);
      this.kv.unwatch(watcher);
    };
  }

  watchContinuity(key: string): number | undefined {
    const watcher = this.watchers.get(key);
    return watcher === undefined ? undefined : this.kv.watchContinuity(watcher);
  }
}
