import type { StateStore } from "../contracts/state-store.js";
import { StoreUnavailableError } from "../contracts/state-store.js";
import { NothingChangedError, ToolstackError } from "./errors.js";

/** Key prefix of the name reservations in the state store (docs/specs/state-store.md). */
export const NAME_KEY_PREFIX = "name.";
/** Names the migration protocol gives a guest's two copies; never reserved, never given by users. */
export const PROTOCOL_NAME_SUFFIXES = ["--incoming", "--migratedaway"] as const;
/** Compare-and-set rounds one reservation tries before giving up (others writing the same key). */
export const NAME_CAS_ATTEMPT_COUNT_MAX = 5;

/** Who holds a name: one guest (its uuid) on one host. */
export interface NameOwner {
  uuid: string;
  hostId: string;
}

export function isProtocolName(name: string): boolean {
  return PROTOCOL_NAME_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** A KV key for any domain name: [A-Za-z0-9_-] stay, every other byte becomes =XX (hex). */
export function nameKey(name: string): string {
  let key = "";
  for (const byte of new TextEncoder().encode(name)) {
    const c = String.fromCharCode(byte);
    key += /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `${NAME_KEY_PREFIX}${key}`;
}

export function nameFromKey(key: string): string {
  const bytes: number[] = [];
  const body = key.slice(NAME_KEY_PREFIX.length);
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "=") {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(body.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** A create's or rename's refusal of a name another guest holds (the scheduler reads it back). */
export function nameHeldMessage(name: string, holder: NameOwner): string {
  return `a domain named "${name}" already exists in the cluster (uuid ${holder.uuid} on ${holder.hostId})`;
}

const NAME_HELD_PATTERN = /^a domain named "(.*)" already exists in the cluster \(uuid (\S+) on (\S+)\)/;

/** The name and holder a nameHeldMessage names; undefined for any other words. */
export function parseNameHeld(message: string): { name: string; holder: NameOwner } | undefined {
  const match = NAME_HELD_PATTERN.exec(message);
  if (!match) return undefined;
  return { name: match[1] ?? "", holder: { uuid: match[2] ?? "", hostId: match[3] ?? "" } };
}

/**
 * Domain names unique in the whole cluster, as xl keeps them unique on one host: each name is a
 * key `name.<name>` → {uuid, hostId}, written with compare-and-set so two hosts creating the same
 * name at once cannot both win. The guest keeps its name across migration (same uuid; the host
 * changes when the destination commits) and an HA restart (same uuid).
 */
export class ClusterNames {
  constructor(private readonly store: StateStore) {}

  /**
   * Takes `name` for `owner` before a guest is built (create, rename, restore), writing the key
   * even when it already names `owner` so that the returned revision fences anyone who read it
   * before. Refused (ALREADY_EXISTS) when another guest holds it, and also when the same uuid holds
   * it on another host: that guest runs there, and a second copy must never start (an HA restart
   * moves the name first, with moveAt). UNAVAILABLE when the store cannot be reached.
   */
  async reserve(name: string, owner: NameOwner): Promise<number> {
    const key = nameKey(name);
    const value = JSON.stringify(owner);
    return unavailableAsToolstackError(async () => {
      for (let attempt = 0; attempt < NAME_CAS_ATTEMPT_COUNT_MAX; attempt++) {
        const entry = await this.store.entry(key);
        const holder = entry ? (JSON.parse(entry.value) as NameOwner) : undefined;
        if (holder && (holder.uuid !== owner.uuid || holder.hostId !== owner.hostId))
          throw new ToolstackError("ALREADY_EXISTS", nameHeldMessage(name, holder));
        const revision = entry
          ? await this.store.update(key, value, entry.revision)
          : await this.store.create(key, value);
        if (revision !== undefined) return revision;
      }
      throw new ToolstackError("ABORTED", `the name "${name}" kept changing under us; try again`);
    });
  }

  /** The holder of `name` and the revision it was read at; undefined when free. */
  async holding(name: string): Promise<{ holder: NameOwner; revision: number } | undefined> {
    return unavailableAsToolstackError(async () => {
      const entry = await this.store.entry(nameKey(name));
      return entry ? { holder: JSON.parse(entry.value) as NameOwner, revision: entry.revision } : undefined;
    });
  }

  /**
   * Gives `name` to `owner` only if nobody wrote it since it was read at `revision` (undefined:
   * it was free): the fence between an HA restart and anyone else starting the same guest (a
   * restore, another scheduler). Returns the new revision, or undefined if it moved meanwhile.
   */
  async moveAt(name: string, owner: NameOwner, revision: number | undefined): Promise<number | undefined> {
    const key = nameKey(name);
    const value = JSON.stringify(owner);
    return unavailableAsToolstackError(() =>
      revision === undefined ? this.store.create(key, value) : this.store.update(key, value, revision),
    );
  }

  /**
   * Makes `name` point at `owner` unless another guest holds it: created when free, moved when
   * the same guest (uuid) is now on another host. Never takes a name from another uuid.
   */
  async adopt(name: string, owner: NameOwner): Promise<{ kind: "ok" } | { kind: "held"; holder: NameOwner }> {
    const key = nameKey(name);
    const value = JSON.stringify(owner);
    return unavailableAsToolstackError(async () => {
      for (let attempt = 0; attempt < NAME_CAS_ATTEMPT_COUNT_MAX; attempt++) {
        const entry = await this.store.entry(key);
        if (!entry) {
          if ((await this.store.create(key, value)) !== undefined) return { kind: "ok" };
          continue;
        }
        const holder = JSON.parse(entry.value) as NameOwner;
        if (holder.uuid !== owner.uuid) return { kind: "held", holder };
        if (holder.hostId === owner.hostId) return { kind: "ok" };
        if ((await this.store.update(key, value, entry.revision)) !== undefined) return { kind: "ok" };
      }
      throw new ToolstackError("ABORTED", `the name "${name}" kept changing under us; try again`);
    });
  }

  /**
   * Frees `name` if `owner` (same uuid and host) still holds it; does nothing otherwise. With
   * `anyHost`, also when the same guest (uuid) holds it on another host: a host ending a guest
   * that migrated here while its own move of the name went unanswered, so the name still names
   * the source (HostNames; docs/specs/ha.md §5).
   */
  async release(name: string, owner: NameOwner, { anyHost = false } = {}): Promise<boolean> {
    const key = nameKey(name);
    return unavailableAsToolstackError(async () => {
      const entry = await this.store.entry(key);
      if (!entry) return false;
      const holder = JSON.parse(entry.value) as NameOwner;
      if (!holds(holder, owner, anyHost)) return false;
      return this.store.remove(key, entry.revision);
    });
  }

  /**
   * Gives `name` back to `to` if it is free or still held by `from` (compare-and-set): undoes a
   * move whose work failed, never taking the name from anyone else. True when `to` holds it now.
   */
  handBack(name: string, from: NameOwner, to: NameOwner): Promise<boolean> {
    return this.moveFrom(name, from, to, "create");
  }

  /**
   * Moves `name` from `from` to `to` only if `from` (same uuid and host) still holds it
   * (compare-and-set): a migration's source handing its guest's name to the destination that
   * committed. Never creates it (free: the guest was destroyed since) and never takes it from
   * anyone else (an HA restart moved it). True when `to` holds it now.
   */
  handOver(name: string, from: NameOwner, to: NameOwner): Promise<boolean> {
    return this.moveFrom(name, from, to, "leave");
  }

  private async moveFrom(
    name: string,
    from: NameOwner,
    to: NameOwner,
    whenFree: "create" | "leave",
  ): Promise<boolean> {
    const key = nameKey(name);
    const value = JSON.stringify(to);
    return unavailableAsToolstackError(async () => {
      const entry = await this.store.entry(key);
      if (!entry) return whenFree === "create" && (await this.store.create(key, value)) !== undefined;
      const holder = JSON.parse(entry.value) as NameOwner;
      if (sameOwner(holder, to)) return true;
      if (!sameOwner(holder, from)) return false;
      return (await this.store.update(key, value, entry.revision)) !== undefined;
    });
  }

  /** Every reservation: name → holder. */
  async all(): Promise<Map<string, NameOwner>> {
    const found = new Map<string, NameOwner>();
    for (const key of await this.store.keys(NAME_KEY_PREFIX)) {
      const text = await this.store.get(key);
      if (text) found.set(nameFromKey(key), JSON.parse(text) as NameOwner);
    }
    return found;
  }
}

function sameOwner(a: NameOwner, b: NameOwner): boolean {
  return a.uuid === b.uuid && a.hostId === b.hostId;
}

/** Whether `holder` is `owner`: the same guest, on the same host unless `anyHost`. */
export function holds(holder: NameOwner | undefined, owner: NameOwner, anyHost = false): boolean {
  return holder?.uuid === owner.uuid && (anyHost || holder.hostId === owner.hostId);
}

/**
 * The store did not answer a write of a name (StoreUnavailableError.writeOutcomeUnknown): it may
 * or may not have been applied. Unlike other ToolstackErrors, the store may have changed: a caller
 * that must know reads the name again (HostNames).
 */
export class NameWriteUnknownError extends ToolstackError {
  constructor(readonly storeError: StoreUnavailableError) {
    super("UNAVAILABLE", `${storeError.message}; whether the write was applied is unknown`);
    this.name = "NameWriteUnknownError";
  }
}

/** A read the store did not answer changed nothing; a write it did not answer may have. */
async function unavailableAsToolstackError<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    if (error.writeOutcomeUnknown) throw new NameWriteUnknownError(error);
    throw new NothingChangedError("UNAVAILABLE", `${error.message}; nothing was changed, try again`);
  }
}
