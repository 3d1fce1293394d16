import type { DomainConfig } from "./xlcfg/domain-config.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import type { CreateOptions, DomainRecord, Toolstack } from "./toolstack.js";
import type { RestoreReply, RestoreRequest } from "./migrate/save-restore.js";
import { NothingChangedError, ToolstackError } from "./errors.js";
import {
  ClusterNames,
  holds,
  isProtocolName,
  NameWriteUnknownError,
  type NameOwner,
} from "./cluster-names.js";

/**
 * One host's side of the cluster-wide names: `create` and `rename` reserve the new name in the
 * store before touching the host (refused: nothing is made), and every domain event brings the
 * store in line with what the host runs (a destroyed guest frees its name, a migrated one moves
 * it). A failure after the host acted is logged; the scheduler's reconcile repairs it.
 */
export class HostNames {
  private queue: Promise<void> = Promise.resolve();
  /**
   * Name writes the store could not be told of, written when it answers again (retryUnwritten):
   * the names of guests gone from this host (destroyed, by a user or by their own
   * on_poweroff/on_crash action) to free, and those of guests migrated away to hand over. Keyed
   * by name and uuid.
   */
  private readonly unwritten = new Map<string, UnwrittenName>();
  /**
   * Names of guests that run here (name → uuid) whose move to this host the store did not take:
   * an event's adopt went unanswered, so the name may still name the host the guest came from (a
   * migration here committed while the store timed out). Ending such a guest frees its name
   * wherever it points (`anyHost`): left on the source, HA took it for a guest lost with that
   * host and brought back a guest the user had destroyed (VOPR seed 4 x 800).
   */
  private readonly unmoved = new Map<string, string>();
  private retrying = false;
  /**
   * After a create: the host's own HA record of a protected guest (HaMigrationTrace.created), so
   * that a guest fenced before any List recorded it is still known to HA (VOPR seed 196).
   */
  afterCreate: ((record: DomainRecord) => Promise<void>) | undefined;
  /**
   * Called when a write joins `unwritten`: the host keeps its once-a-second round going again to
   * retry it (the write failed later than the event that began it, maybe after the host went idle).
   */
  onUnwritten: (() => void) | undefined;

  constructor(
    private readonly toolstack: Toolstack,
    readonly names: ClusterNames,
    private readonly log: (line: string) => void,
  ) {}

  private get hostId(): string {
    return this.toolstack.spec.hostId;
  }

  /** `xl create` with the name reserved first; the reservation is undone if the create fails. */
  async create(config: DomainConfig, options: CreateOptions = {}): Promise<DomainRecord> {
    const name = options.nameOverride ?? config.name;
    this.toolstack.validateForHost(config, name, options.configSource);
    const owner = { uuid: config.uuid ?? this.toolstack.allocateUuid(), hostId: this.hostId };
    await this.reserveOrUndo(name, owner);
    let record: DomainRecord;
    try {
      record = this.toolstack.create({ ...config, uuid: owner.uuid }, options);
    } catch (error) {
      await this.names.release(name, owner).catch((e: unknown) => this.log(`name ${name}: ${message(e)}`));
      throw error;
    }
    await this.afterCreate?.(record);
    return record;
  }

  /**
   * Reserves `name` for a guest about to be built. A reservation the store did not answer may
   * have been taken: it is given up again (release), after which nothing was changed indeed;
   * when even that goes unanswered the refusal says the name may stay reserved (the reconcile
   * frees a name whose guest runs nowhere).
   */
  private async reserveOrUndo(name: string, owner: NameOwner): Promise<void> {
    try {
      await this.names.reserve(name, owner);
    } catch (error) {
      if (!(error instanceof NameWriteUnknownError)) throw error;
      try {
        await this.names.release(name, owner);
      } catch {
        throw new ToolstackError(
          "UNAVAILABLE",
          `${name}: not created; the cluster store did not answer the reservation of its name (${error.storeError.message}), which may stay reserved until the scheduler frees it; try again later`,
        );
      }
      throw new NothingChangedError(
        "UNAVAILABLE",
        `${error.storeError.message}; nothing was changed, try again`,
      );
    }
  }

  /**
   * `xl restore` with the name reserved first (`identity`: the file's guest), the guest kept paused
   * until the reservation is confirmed at the revision it was taken: if someone moved the name
   * meanwhile (an HA restart of the same guest elsewhere) the restored copy is destroyed, never run.
   */
  async restore(
    request: RestoreRequest,
    identity: { name: string; uuid: string },
    build: (request: RestoreRequest) => Promise<RestoreReply>,
  ): Promise<RestoreReply> {
    const owner = { uuid: identity.uuid, hostId: this.hostId };
    const before = (await this.names.holding(identity.name))?.holder;
    const revision = await this.names.reserve(identity.name, owner);
    let reply: RestoreReply;
    try {
      reply = await build({ ...request, paused: true });
    } catch (error) {
      // A name this guest held here before (restored where it ran) stays: free, HA would take the
      // guest for destroyed on purpose (docs/specs/ha.md §5).
      if (before?.uuid !== owner.uuid || before.hostId !== owner.hostId)
        await this.names.release(identity.name, owner).catch((e: unknown) => this.log(message(e)));
      throw error;
    }
    if ((await this.names.moveAt(identity.name, owner, revision).catch(() => undefined)) === undefined) {
      this.toolstack.destroy(String(reply.domid));
      throw new ToolstackError(
        "ABORTED",
        `the name "${identity.name}" was taken while ${identity.uuid} was being restored (restarted elsewhere?): the restored copy was destroyed`,
      );
    }
    if (!request.paused) this.toolstack.resumeDomain(String(reply.domid));
    return reply;
  }

  /** `xl rename`: the new name is reserved first, the old one freed after (a CAS move). */
  async rename(ref: string, newName: string): Promise<DomainRecord> {
    const record = this.toolstack.requireDomain(ref);
    const owner = { uuid: record.uuid, hostId: this.hostId };
    const oldName = record.name;
    if (oldName === newName) return record;
    await this.names.reserve(newName, owner);
    try {
      this.toolstack.rename(ref, newName);
    } catch (error) {
      await this.names
        .release(newName, owner)
        .catch((e: unknown) => this.log(`name ${newName}: ${message(e)}`));
      throw error;
    }
    await this.names
      .release(oldName, owner)
      .catch((e: unknown) => this.log(`name ${oldName}: ${message(e)}`));
    return record;
  }

  /**
   * `xl destroy`. A guest HA would restart (`xsim_ha`) has its name freed in the store first: a
   * free name is how the scheduler's HA restart tells a guest destroyed on purpose from one lost
   * with its host (docs/specs/ha.md §5), as XAPI's hard_shutdown of a protected VM clears
   * ha_always_run in the pool database first and fails without the master. Refused (UNAVAILABLE,
   * nothing changed) when the store cannot be reached.
   */
  async destroy(ref: string): Promise<DomainRecord> {
    const record = this.toolstack.requireDomain(ref);
    return this.freeingNameFirst(record, "destroyed", () => this.toolstack.destroy(ref));
  }

  /** `xl shutdown`: as destroy when on_poweroff destroys the guest; otherwise it stays, with its name. */
  async shutdown(ref: string, wait: boolean): Promise<DomainRecord> {
    const record = this.toolstack.requireDomain(ref);
    if (!POWEROFF_ENDS_GUEST.has(record.config.onPoweroff)) return this.toolstack.shutdown(ref, wait);
    return this.freeingNameFirst(record, "shut down", () => this.toolstack.shutdown(ref, wait));
  }

  private async freeingNameFirst(
    record: DomainRecord,
    verb: string,
    act: () => DomainRecord | Promise<DomainRecord>,
  ): Promise<DomainRecord> {
    // A migrating guest is refused by the toolstack itself, before anything changes.
    if (!haRestartable(record) || this.toolstack.isMigrating(record.domid)) return act();
    this.toolstack.admitUserEnd(record);
    const owner = { uuid: record.uuid, hostId: this.hostId };
    try {
      await this.releaseOrLearn(record.name, owner, this.unmoved.get(record.name) === owner.uuid);
    } catch (error) {
      if (!(error instanceof ToolstackError) || error.code !== "UNAVAILABLE") throw error;
      if (error instanceof NameWriteUnknownError)
        throw new ToolstackError(
          "UNAVAILABLE",
          `${record.name}: not ${verb}: the cluster store did not answer the freeing of its name (${error.storeError.message}), so whether it was freed is unknown: if it was, HA would not restart the guest; it still runs here, ${verb === "destroyed" ? "destroy" : "shut"} it again`,
        );
      const why = error.message.replace(NOTHING_CHANGED_TAIL, "");
      throw new NothingChangedError(
        "UNAVAILABLE",
        `${record.name}: an HA-protected guest cannot be ${verb} while the cluster store is unreachable: its HA restart would bring it back (${why}); nothing was changed, try again`,
      );
    }
    try {
      return await act();
    } catch (error) {
      await this.adoptHere(record.name, owner).catch((e: unknown) =>
        this.log(`name ${record.name}: ${message(e)}`),
      );
      throw error;
    }
  }

  /**
   * Frees `name` before its guest goes (`anyHost`: wherever the guest holds it, see `unmoved`).
   * When the store did not answer the removal, the name is read again to learn whether it went:
   * still ours, the refusal is that nothing was changed; gone, the guest may go too. Throws
   * NameWriteUnknownError when the read goes unanswered as well.
   */
  private async releaseOrLearn(name: string, owner: NameOwner, anyHost: boolean): Promise<void> {
    try {
      await this.freeLogged(name, owner, anyHost);
    } catch (error) {
      if (!(error instanceof NameWriteUnknownError)) throw error;
      const now = await this.names.holding(name).catch(() => {
        throw error;
      });
      if (holds(now?.holder, owner, anyHost))
        throw new NothingChangedError(
          "UNAVAILABLE",
          `${error.storeError.message}; nothing was changed, try again`,
        );
    }
  }

  /** After the toolstack acted: keep the store in line, one event at a time. */
  onEvent(event: DomainEvent): void {
    if (event.domid === 0) return;
    this.queue = this.queue
      .then(() => this.follow(event))
      .catch((error: unknown) =>
        this.log(`name ${event.name}: ${message(error)} (the scheduler reconciles it)`),
      );
  }

  private async follow(event: DomainEvent): Promise<void> {
    const owner: NameOwner = { uuid: event.uuid, hostId: event.hostId };
    switch (event.event) {
      case "migrated-out":
        this.forgetUnmoved(event.name, event.uuid);
        return this.handOver(event, owner);
      case "fenced":
        this.forgetUnmoved(event.name, event.uuid);
        return; // HA's until its restart moves it (docs/specs/ha.md §5)
      case "destroyed": {
        const anyHost = this.forgetUnmoved(event.name, event.uuid);
        if (!isProtocolName(event.name) && !this.runsHere(event.name))
          await this.write({ name: event.name, owner, anyHost });
        return;
      }
      case "renamed": {
        const oldName = String(event.detail?.oldName ?? "");
        const anyHost = this.forgetUnmoved(oldName, event.uuid);
        if (oldName && !isProtocolName(oldName) && !isProtocolName(event.name) && !this.runsHere(oldName))
          await this.names.release(oldName, owner, { anyHost });
        break;
      }
      default:
        break;
    }
    if (isProtocolName(event.name) || !this.runsHere(event.name, event.uuid)) return;
    const outcome = await this.adoptHere(event.name, owner);
    if (outcome.kind === "held")
      this.log(
        `name ${event.name} of ${event.uuid} is held by ${outcome.holder.uuid} on ${outcome.holder.hostId}: two guests share it`,
      );
  }

  /**
   * The name of a guest migrated away, which the store may still give to this host: the
   * destination moves it when it commits, and the source hands it over too (a compare-and-set from
   * (uuid, this host) to (uuid, destination)), since the destination may not reach the store then.
   * A key left on the source while the guest runs on a destination the scheduler cannot see would
   * be freed by its reconcile (the source is up and runs no such guest), and another guest could
   * take the name: VOPR seed 183 x 400 (docs/specs/state-store.md, "migration").
   */
  private async handOver(event: DomainEvent, owner: NameOwner): Promise<void> {
    const toHostId = event.detail?.toHostId;
    if (typeof toHostId !== "string" || toHostId === "" || toHostId === this.hostId) return;
    if (isProtocolName(event.name)) return;
    await this.write({ name: event.name, owner, to: { uuid: owner.uuid, hostId: toHostId } });
  }

  /** Frees or hands over a name; with the store unreachable, later (retryUnwritten). */
  private async write(pending: UnwrittenName): Promise<void> {
    const key = unwrittenKey(pending);
    try {
      await this.tryWrite(pending);
      this.unwritten.delete(key);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      this.unwritten.set(key, pending);
      this.log(
        `name ${pending.name}: ${message(error)} (${pending.to ? "handed over" : "freed"} when the store answers again)`,
      );
      this.onUnwritten?.();
    }
  }

  /**
   * Points `name` at this host's guest (`owner`) unless another guest holds it, remembering in
   * `unmoved` a move the store did not take (the error is thrown on).
   */
  private async adoptHere(
    name: string,
    owner: NameOwner,
  ): Promise<Awaited<ReturnType<ClusterNames["adopt"]>>> {
    try {
      const outcome = await this.names.adopt(name, owner);
      this.forgetUnmoved(name, owner.uuid);
      return outcome;
    } catch (error) {
      if (isUnavailable(error)) this.unmoved.set(name, owner.uuid);
      throw error;
    }
  }

  /** Forgets a move of `name` the store did not take; whether there was one (of this guest). */
  private forgetUnmoved(name: string, uuid: string): boolean {
    if (this.unmoved.get(name) !== uuid) return false;
    this.unmoved.delete(name);
    return true;
  }

  /**
   * Frees `name` of `owner` (`anyHost`: see `unmoved`), saying so when it still named the host
   * the guest came from.
   */
  private async freeLogged(name: string, owner: NameOwner, anyHost: boolean): Promise<void> {
    const held = anyHost ? await this.names.holding(name) : undefined;
    const freed = await this.names.release(name, owner, { anyHost });
    if (freed && held && held.holder.hostId !== owner.hostId)
      this.log(
        `name ${name}: freed; it still named ${held.holder.hostId}, where the guest ran before it came here (the store had not taken its move here)`,
      );
  }

  private async tryWrite(pending: UnwrittenName): Promise<boolean> {
    if (pending.to) return this.names.handOver(pending.name, pending.owner, pending.to);
    await this.freeLogged(pending.name, pending.owner, pending.anyHost === true);
    return true;
  }

  /** Whether a name write waits for the store (the host keeps its once-a-second round going meanwhile). */
  get hasUnwritten(): boolean {
    return this.unwritten.size > 0;
  }

  /**
   * Writes what the store could not be told of, one try at a time (the host's once-a-second round
   * calls it): a protected guest destroyed by its own on_poweroff/on_crash action during a broker
   * outage must not look lost to HA once the store answers again (docs/specs/ha.md §5), and a
   * migrated guest's name must follow it. A name that runs here again is left alone.
   */
  retryUnwritten(): void {
    if (this.unwritten.size === 0 || this.retrying) return;
    this.retrying = true;
    this.queue = this.queue
      .then(async () => {
        for (const [key, pending] of [...this.unwritten]) {
          if (this.runsHere(pending.name)) this.unwritten.delete(key);
          else if (!(await this.tryOnce(key, pending))) return; // still unreachable: next round
        }
      })
      .catch((error: unknown) => this.log(`writing names: ${message(error)}`))
      .finally(() => (this.retrying = false));
  }

  /** One retry of a write: false while the store stays unreachable. */
  private async tryOnce(key: string, pending: UnwrittenName): Promise<boolean> {
    try {
      await this.tryWrite(pending);
    } catch (error) {
      if (isUnavailable(error)) return false;
      this.log(`name ${pending.name}: ${message(error)} (the scheduler reconciles it)`);
    }
    this.unwritten.delete(key);
    return true;
  }

  private runsHere(name: string, uuid?: string): boolean {
    for (const record of this.toolstack.records.values())
      if (record.name === name && (uuid === undefined || record.uuid === uuid)) return true;
    return false;
  }
}

/**
 * A name write the store did not answer: a free (`to` undefined; `anyHost`: wherever this guest
 * holds it, see `unmoved`) or a hand-over to `to`.
 */
interface UnwrittenName {
  name: string;
  owner: NameOwner;
  to?: NameOwner;
  anyHost?: boolean;
}

function unwrittenKey(pending: UnwrittenName): string {
  return `${pending.owner.uuid} ${pending.name}`;
}

/** What ClusterNames adds to a store error; said once, at the end of the refusal. */
const NOTHING_CHANGED_TAIL = /; nothing was changed, try again$/;

/** on_poweroff actions after which the guest is gone (xl.cfg(5)). */
const POWEROFF_ENDS_GUEST: ReadonlySet<string> = new Set(["destroy", "coredump-destroy"]);

/** A guest the scheduler's HA restarts when its host is lost: xsim_ha set, not a migration stand-in. */
function haRestartable(record: DomainRecord): boolean {
  return record.domid !== 0 && record.config.xsim.ha !== undefined && !isProtocolName(record.name);
}

function isUnavailable(error: unknown): boolean {
  return error instanceof ToolstackError && error.code === "UNAVAILABLE";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
