import type { NatsConnection, KV } from "nats";

/**
 * The scheduler's durable state: what must survive its restart (disabled hosts, operations in
 * progress, the configs of HA domains). Everything else it rebuilds from the hosts.
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix` (which ends with "."). */
  keys(prefix: string): Promise<string[]>;
}

export const STATE_BUCKET = "xsim-scheduler";

/** The state in a JetStream key-value bucket on the cluster's nats-server. */
export class NatsKvStore implements StateStore {
  private constructor(private readonly kv: KV) {}

  static async open(connection: NatsConnection): Promise<NatsKvStore> {
    const kv = await connection.jetstream().views.kv(STATE_BUCKET, { history: 1 });
    return new NatsKvStore(kv);
  }

  async get(key: string): Promise<string | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== "PUT") return undefined;
    return entry.string();
  }

  async put(key: string, value: string): Promise<void> {
    await this.kv.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    const found = new Set<string>();
    const iterator = await this.kv.keys(`${prefix}>`);
    for await (const key of iterator) found.add(key);
    return [...found].sort();
  }
}

/** The same in one process, for seeded tests. */
export class MemoryStore implements StateStore {
  private readonly values = new Map<string, string>();

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  put(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }
  keys(prefix: string): Promise<string[]> {
    return Promise.resolve([...this.values.keys()].filter((k) => k.startsWith(prefix)).sort());
  }
}
