import { KvWatchInclude, type KV, type NatsConnection } from "nats";
import type { Statefile, StatefileEntry } from "../../contracts/statefile.js";
import { refusedWrite } from "../kv/permission-refusal.js";
import { kvKeysWithinMs } from "../kv/kv-keys.js";
import { openBucket } from "../kv/bucket-open.js";

/** The bucket the scheduler keeps its state in; the HA statefile keys live beside (docs/specs/ha.md). */
export const STATEFILE_BUCKET = "xsim-scheduler";
/** A KV request gives up after this long (a paused nats-server must not block a renewal loop). */
export const STATEFILE_REQUEST_TIMEOUT_MS = 2000;
/** A KV watch that ended (a restarted nats-server) is opened again after this long. */
export const WATCH_RETRY_MS = 1000;

/** The statefile over a JetStream key-value bucket; compare-and-set is `kv.update(key, value, rev)`. */
export class NatsStatefile implements Statefile {
  private kv: KV | undefined;

  constructor(
    private readonly connection: NatsConnection,
    private readonly timeoutMs = STATEFILE_REQUEST_TIMEOUT_MS,
  ) {}

  async read(key: string): Promise<StatefileEntry | undefined> {
    const entry = await this.call((kv) => kv.get(key));
    if (!entry || entry.operation !== "PUT") return undefined;
    return { value: entry.string(), revision: entry.revision };
  }

  async readAll(prefix: string): Promise<Map<string, StatefileEntry>> {
    const keys = await this.call((kv) => kvKeysWithinMs(kv, `${prefix}>`, this.timeoutMs));
    const entries = new Map<string, StatefileEntry>();
    for (const key of keys.sort()) {
      const entry = await this.read(key);
      if (entry) entries.set(key, entry);
    }
    return entries;
  }

  async put(key: string, value: string): Promise<number> {
    return this.call((kv) => kv.put(key, value), { operation: "put", key });
  }

  async update(key: string, value: string, revision: number): Promise<number | undefined> {
    try {
      return await this.call((kv) => kv.update(key, value, revision), { operation: "update", key });
    } catch (error) {
      if (isCasLost(error)) return undefined;
      throw error;
    }
  }

  async create(key: string, value: string): Promise<number | undefined> {
    try {
      return await this.call((kv) => kv.create(key, value), { operation: "create", key });
    } catch (error) {
      if (isCasLost(error)) return undefined;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await this.call((kv) => kv.delete(key), { operation: "delete", key });
  }

  /**
   * A JetStream KV watch of `key` (an ordered consumer: nats.js resets it after a gap or a lost
   * heartbeat). Its updates only: the watcher reads the key itself. When the watch ends (the
   * server gone, the bucket not reachable yet) it is opened again WATCH_RETRY_MS later.
   */
  watch(key: string, onChange: (entry: StatefileEntry | undefined) => void): () => void {
    let stopped = false;
    let iterator: { stop(): void } | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = async () => {
      try {
        const watch = await (await this.bucket()).watch({ key, include: KvWatchInclude.UpdatesOnly });
        iterator = watch;
        if (stopped) watch.stop();
        for await (const entry of watch)
          onChange(
            entry.operation === "PUT" ? { value: entry.string(), revision: entry.revision } : undefined,
          );
      } catch {
        this.kv = undefined;
      }
      if (!stopped) retry = setTimeout(() => void open(), WATCH_RETRY_MS);
    };
    void open();
    return () => {
      stopped = true;
      iterator?.stop();
      if (retry) clearTimeout(retry);
    };
  }

  /**
   * One KV call; after a failure the bucket is opened again (a restarted nats-server). A write
   * nats-server refuses (this member's permissions) fails PERMISSION_DENIED, as in `xsim sim`.
   */
  private async call<T>(fn: (kv: KV) => Promise<T>, write?: { operation: string; key: string }): Promise<T> {
    try {
      return await fn(await this.bucket());
    } catch (error) {
      const refused = write && refusedWrite(write.operation, write.key, error);
      if (refused) throw refused;
      if (!isCasLost(error)) this.kv = undefined;
      throw error;
    }
  }

  /** Opens (creating if needed) the bucket, again after a failure (a restarted nats-server). */
  private async bucket(): Promise<KV> {
    if (this.kv) return this.kv;
    const kv = await openBucket(() =>
      this.connection
        .jetstream({ timeout: this.timeoutMs })
        .views.kv(STATEFILE_BUCKET, { history: 1, timeout: this.timeoutMs }),
    );
    this.kv = kv;
    return kv;
  }
}

/** JetStream's answer to a compare-and-set at a revision that is not the last one (err_code 10071). */
function isCasLost(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|10071/i.test(error.message);
}
