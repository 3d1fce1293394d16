import type { NatsConnection, KV } from "nats";
import { StoreUnavailableError, type StateStore, type StoreEntry } from "../../contracts/state-store.js";
import { refusedWrite } from "./permission-refusal.js";
import { kvKeysWithinMs } from "./kv-keys.js";
import { openBucket } from "./bucket-open.js";

export const STATE_BUCKET = "xsim-scheduler";
/** JetStream's error code for "wrong last sequence": a compare-and-set lost. */
const WRONG_LAST_SEQUENCE = 10071;
/** A key listing without an end this long fails (nats.js's listing has no deadline of its own). */
export const KV_KEYS_TIMEOUT_MS = 5000;

/** The state in a JetStream key-value bucket on the cluster's nats-server (history 1, no TTL). */
export class NatsKvStore implements StateStore {
  private constructor(private readonly kv: KV) {}

  static async open(connection: NatsConnection): Promise<NatsKvStore> {
    try {
      const kv = await openBucket(() => connection.jetstream().views.kv(STATE_BUCKET, { history: 1 }));
      return new NatsKvStore(kv);
    } catch (error) {
      throw new StoreUnavailableError("open", error);
    }
  }

  get(key: string): Promise<string | undefined> {
    return this.entry(key).then((e) => e?.value);
  }

  put(key: string, value: string): Promise<void> {
    return guard("put", async () => void (await this.kv.put(key, value)), key);
  }

  delete(key: string): Promise<void> {
    return guard("delete", () => this.kv.delete(key), key);
  }

  keys(prefix: string): Promise<string[]> {
    return guard("keys", async () => {
      const found = new Set(await kvKeysWithinMs(this.kv, `${prefix}>`, KV_KEYS_TIMEOUT_MS));
      return [...found].sort();
    });
  }

  entry(key: string): Promise<StoreEntry | undefined> {
    return guard("get", async () => {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== "PUT") return undefined;
      return { value: entry.string(), revision: entry.revision };
    });
  }

  create(key: string, value: string): Promise<number | undefined> {
    return guard("create", () => casOrUndefined(this.kv.create(key, value)), key);
  }

  update(key: string, value: string, revision: number): Promise<number | undefined> {
    return guard("update", () => casOrUndefined(this.kv.update(key, value, revision)), key);
  }

  remove(key: string, revision: number): Promise<boolean> {
    return guard(
      "remove",
      async () =>
        (await casOrUndefined(this.kv.delete(key, { previousSeq: revision }).then(() => 1))) !== undefined,
      key,
    );
  }
}

/** A lost compare-and-set is an answer (undefined); anything else is the store failing. */
async function casOrUndefined<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (error) {
    const code = (error as { api_error?: { err_code?: number } }).api_error?.err_code;
    if (code === WRONG_LAST_SEQUENCE) return undefined;
    throw error;
  }
}

/** `key`: the key a write writes; nats-server may refuse it (PERMISSION_DENIED, not "unreachable"). */
async function guard<T>(operation: string, body: () => Promise<T>, key?: string): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw (
      (key === undefined ? undefined : refusedWrite(operation, key, error)) ??
      new StoreUnavailableError(operation, error)
    );
  }
}
