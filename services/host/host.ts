import type { Clock, ClockTimer } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import type { Dom0Spec, HostSpec } from "../core/host-spec.js";
import type { SchedulerName } from "../core/sched/index.js";
import { delayToGridMs, every, everyOnGrid } from "../core/simulation.js";
import { Toolstack } from "../dom0/toolstack.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";
import { CPU_USAGE_SAMPLE_INTERVAL_MS, CpuUsageSampler } from "../dom0/cpu-usage.js";
import { MigrationManager } from "../dom0/migrate/migration-manager.js";
import { MIGRATED_AWAY_SUFFIX, migrateOut, type OutboundRequest } from "../dom0/migrate/outbound.js";
import { INCOMING_SUFFIX } from "../dom0/migrate/incoming.js";
import type { IncomingState, MigrationEndpoint, MigrationLinks } from "../dom0/migrate/peer.js";
import {
  MigrationDestination,
  type ReceiveChannel,
  type ReceiveSession,
} from "../dom0/migrate/receive-session.js";
import {
  restoreFromFile,
  readSaveIdentity,
  saveToFile,
  type RestoreReply,
  type RestoreRequest,
  type SaveRequest,
} from "../dom0/migrate/save-restore.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";
import type { EngineScheduler, StreamSink } from "../dom0/migrate/stream-sink.js";
import { encodeJson, publishFrozenJson, type Bus } from "../contracts/bus.js";
import { domainEventSubject, heartbeatSubject, migrationSubject } from "../contracts/subjects.js";
import {
  HeartbeatCpupools,
  frozenHeartbeat,
  memoryKibOfFrames,
  repeatedHeartbeat,
  showsSame,
  vcpusAllocatedOf,
} from "./heartbeat.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import type { FrozenJson } from "../contracts/bus.js";
import type { SharedSecond, SharedSecondMember } from "./shared-second.js";
import type { StateStore } from "../contracts/state-store.js";
import { ClusterNames } from "../dom0/cluster-names.js";
import { HostNames } from "../dom0/host-names.js";
import { HaMigrationTrace } from "../dom0/ha-migration-trace.js";
import type { Statefile } from "../contracts/statefile.js";
import { LeaseKeeper, type PeerPinger } from "./lease-keeper.js";
import {
  refuseMigrationWhileHeld,
  refuseUnpauseWhileHeld,
  refuseUserEndWhileHeld,
  ToolstackHaGuests,
} from "./ha-guests.js";
import { FaultInjector } from "../dom0/fault/fault-injector.js";
import { wrappersWithArmedFaults } from "../dom0/fault/faulty-wrappers.js";
import type { ConfinedPaths } from "../dom0/confined-paths.js";

/**
 * How often the hypervisor runs the guests (workloads, CPU time, I/O) while any has work, on the
 * clock's grid of this period (in one process, hosts that have work tick at the same instants).
 */
export const TICK_INTERVAL_MS = 10;
/**
 * How often a host without work looks for work that came without a domain event (each change the
 * toolstack reports, and each migration, wakes it at once). It does not tick meanwhile (issue 10:
 * idle hosts cost nothing): the look rides the host's once-a-second timer with the CPU sampling
 * (and the heartbeat when its interval is the same). TICK_ELAPSED_MS_MAX's length.
 */
export const IDLE_TICK_INTERVAL_MS = CPU_USAGE_SAMPLE_INTERVAL_MS;
/** PRNG streams forked from the host's seed: the toolstack's is the seed itself. */
const TOKEN_PRNG_STREAM = 0x70c3;

export interface HostOptions {
  spec: HostSpec;
  dom0: Dom0Spec;
  seed: number;
  /** The hypervisor's vCPU scheduler (`--sched`); default credit2. */
  scheduler?: SchedulerName;
  /** `--allow-fault-injection` (docs/specs/fault-injection.md); default off. */
  faultInjectionAllowed?: boolean;
  clock: Clock;
  /** How the migration engine sleeps and lets other work run (OS timers, or the simulated clock). */
  engine: EngineScheduler;
  bus: Bus | undefined;
  links: MigrationLinks;
  /** The address other hosts reach this one at (known once a transport has bound it). */
  address: () => string;
  heartbeatIntervalMs: number;
  /** HA (docs/specs/ha.md): the lease statefile and the network heartbeat to peers; both or neither. */
  statefile?: Statefile;
  ping?: PeerPinger;
  /** Migration ids and one-time tokens; default drawn from a PRNG forked from `seed` (wire real randomness in production). */
  newId?: () => string;
  newToken?: () => string;
  /** The heartbeat's timeMs (wall time in production); default the host clock. */
  epochMs?: () => number;
  log?: (line: string) => void;
  /** Where file arguments (save, restore, ...) may resolve; without it every file verb is refused. */
  files?: ConfinedPaths;
  /** The cluster's state store: domain names are reserved there (unique in the cluster). */
  store?: StateStore;
  /** Where an idle host's repeated seconds go (host/shared-second.ts); without it each host keeps its own timer. */
  sharedSecond?: SharedSecond;
}

/**
 * One simulated physical host without any transport: the toolstack, both ends of a migration,
 * save/restore, CPU ticking, heartbeats, fencing and CPU sampling, on an injected Clock, Bus and
 * migration links. `host-service.ts` wires it to the OS clock, gRPC and NATS; a simulation wires it
 * to a SimulatedClock, a MemoryBus and in-memory links.
 */
export class Host implements MigrationEndpoint, SharedSecondMember {
  // The fields repeatSecond reads, declared first so that they sit side by side at the start of
  // the object, in the cache line of its map or the next: an idle host's second reads these and no
  // other field of its host (repeat-second-fields.test.ts), not eight fields spread over 150 bytes.
  /** Whether its seconds are a SharedSecond's now (host/shared-second.ts). */
  private sharing = false;
  private running = false;
  /**
   * The last heartbeat it made itself: its shared seconds' repeats (repeatSecond) show the same but
   * the sequence, the time and the real-memory figure, so they are made from it and not kept here
   * (a new young object stored in the old host each second costs the store a write barrier's
   * remembered-set insertion, and the next scavenge a slot to visit).
   */
  private lastBeat: FrozenJson<Heartbeat> | undefined;
  private heartbeatSequence = 0;
  /** Made once: the broker and nats-server's permissions look the subject up at every heartbeat. */
  private readonly heartbeatSubjectText: string;
  /** The options repeatSecond reads, kept on the host itself (it reads nothing else of the options). */
  private readonly checksRepeats: boolean;
  private readonly epochMs: (() => number) | undefined;
  private readonly bus: Bus | undefined;
  readonly toolstack: Toolstack;
  readonly migrations = new MigrationManager();
  readonly destination: MigrationDestination;
  /** xentop's CPU(%): the domains' CPU time sampled every CPU_USAGE_SAMPLE_INTERVAL_MS. */
  readonly cpuUsage: CpuUsageSampler;
  /** Cluster-wide names (docs/specs/state-store.md), when the host has the cluster's store. */
  readonly names: HostNames | undefined;
  /** The host's side of HA: lease, peers, hold and fence (docs/specs/ha.md §4). */
  readonly ha: LeaseKeeper | undefined;
  /** A protected guest's HA record names the destination before it migrates (docs/specs/ha.md §5). */
  private readonly haTrace: HaMigrationTrace | undefined;
  /** Crashes and migration faults, refused unless the host was started with them allowed. */
  readonly faults: FaultInjector;
  private readonly newId: () => string;
  private readonly newToken: () => string;
  private stops: (() => void)[] = [];
  /** The heartbeat's pools, kept from one heartbeat to the next while they stay the same. */
  private readonly heartbeatCpupools = new HeartbeatCpupools();
  /** Domain events published and guest ticks (CPU time charged): parts of the heartbeat's listVersion. */
  private domainEventCount = 0;
  private tickCount = 0;
  /** Whether the host had work at its last tick: it then ticks every TICK_INTERVAL_MS. */
  private busy = false;
  /** The tick's timer, made once and set again each tick (a busy host ticks 100 times a second). */
  private readonly tickTimer: ClockTimer;
  /** The timer a second (CPU sampling, the idle look, the heartbeat at 1 s) while it runs. */
  private cancelSecond: (() => void) | undefined;
  private secondRested = false;
  private heartbeatRides = false;
  /** Whether the last heartbeat showed what the one before did (heartbeat.ts showsSame). */
  private lastBeatRepeated = false;
  /**
   * The hypervisor's accountedUntilMs when it joined the SharedSecond: while that and listVersion
   * (its ticks among them) stand still, its CPU sample is still settled (CpuUsageSampler.isSettled
   * was true then, and only a tick, a wake or a domain's change moves what it compares).
   */
  private sharedAccountedUntilMs = -1;
  private readonly onSecond = (): void => this.second();

  constructor(readonly options: HostOptions) {
    this.checksRepeats = options.sharedSecond?.checksRepeats ?? false;
    this.epochMs = options.epochMs;
    this.bus = options.bus;
    this.tickTimer = options.clock.timer(() => this.tick());
    const toolstackOptions = options.scheduler ? { scheduler: options.scheduler } : {};
    this.toolstack = new Toolstack(
      options.spec,
      options.dom0,
      options.clock,
      new Prng(options.seed),
      toolstackOptions,
    );
    this.toolstack.isMigrating = (domid) => this.migrations.isMigrating(domid);
    this.toolstack.onChange = () => this.wake();
    // A xenstore commit moves the heartbeat's listVersion: a shared second would repeat a stale one.
    this.toolstack.store.onCommit = () => {
      if (this.sharing) this.armSecond();
    };
    this.cpuUsage = new CpuUsageSampler(this.toolstack.hypervisor);
    this.heartbeatSubjectText = heartbeatSubject(this.toolstack.spec.hostId);
    this.faults = new FaultInjector(options.faultInjectionAllowed ?? false, options.spec.hostId);
    const tokens = new Prng(options.seed).fork(TOKEN_PRNG_STREAM);
    const hex = () => tokens.nextU32().toString(16).padStart(8, "0");
    this.newToken = options.newToken ?? (() => `${hex()}${hex()}${hex()}${hex()}`);
    this.newId = options.newId ?? (() => `${hex()}-${hex()}`);
    this.destination = new MigrationDestination({
      toolstack: this.toolstack,
      manager: this.migrations,
      newToken: this.newToken,
      puller: options.links.puller,
    });
    const bus = options.bus;
    const names = options.store
      ? new HostNames(this.toolstack, new ClusterNames(options.store), (line) => this.log(line))
      : undefined;
    this.names = names;
    // A name write that failed after the host went idle (resting or sharing its seconds): its
    // second retries it (HostNames.retryUnwritten).
    if (names) names.onUnwritten = () => this.armSecond();
    if (options.statefile && options.ping)
      this.ha = new LeaseKeeper({
        hostId: options.spec.hostId,
        address: options.address,
        clock: options.clock,
        statefile: options.statefile,
        ping: options.ping,
        guests: new ToolstackHaGuests(this.toolstack),
        log: (line) => this.log(line),
        epoch: this.newId(),
        onGuarding: () => this.armSecond(),
      });
    const ha = this.ha;
    this.haTrace = options.store
      ? new HaMigrationTrace(
          options.store,
          options.spec.hostId,
          () => ha?.leaseEpoch,
          (line) => this.log(line),
          options.clock,
        )
      : undefined;
    const haTrace = this.haTrace;
    if (names && haTrace) names.afterCreate = (record) => haTrace.created(record);
    if (ha)
      this.toolstack.admissionReady = (config) =>
        config.xsim.ha === undefined ? Promise.resolve() : ha.firstRead();
    if (ha)
      this.toolstack.admit = (config, name) => {
        const why = config.xsim.ha === undefined ? undefined : ha.protectedRefusal();
        if (why)
          throw new NothingChangedError(
            "UNAVAILABLE",
            `host ${options.spec.hostId} takes no HA-protected guest ("${name}") now: ${why}; nothing was changed`,
          );
      };
    if (ha) this.toolstack.admitUnpause = (record) => refuseUnpauseWhileHeld(ha, record, options.spec.hostId);
    if (ha)
      this.toolstack.admitMigrateOut = (record) => refuseMigrationWhileHeld(ha, record, options.spec.hostId);
    if (ha) this.toolstack.admitUserEnd = (record) => refuseUserEndWhileHeld(ha, record, options.spec.hostId);
    if (bus)
      this.toolstack.events = {
        domainEvent: (event) => {
          this.domainEventCount++;
          bus.publish(domainEventSubject(event.hostId, event.event), encodeJson(event));
          names?.onEvent(event);
        },
      };
  }

  get hostId(): string {
    return this.options.spec.hostId;
  }

  get address(): string {
    return this.options.address();
  }

  /**
   * The epoch of its HA lease now, reported with its domain list (docs/specs/ha.md §5): the guests
   * listed run under it. Empty without the statefile.
   */
  get leaseEpoch(): string {
    return this.ha?.leaseEpoch ?? "";
  }

  /**
   * Starts the host's clocks: guest ticks while there is work, and one timer a second for CPU
   * sampling, the idle look for work and (at the default interval) the heartbeat; HA's lease. The
   * timer a second rests while it has nothing to do (see mayRest): an idle host then wakes only for
   * its heartbeat and HA's statefile round.
   */
  start(): void {
    const { clock, heartbeatIntervalMs } = this.options;
    this.running = true;
    this.busy = true; // the first tick looks at what there is
    this.scheduleTick();
    this.stops.push(() => this.tickTimer.cancel());
    const ha = this.ha;
    if (ha) {
      ha.start();
      this.stops.push(() => ha.stop());
    }
    const heartbeat = this.options.bus ? () => this.publishHeartbeat() : undefined;
    this.heartbeatRides = heartbeat !== undefined && heartbeatIntervalMs === CPU_USAGE_SAMPLE_INTERVAL_MS;
    this.cpuUsage.sample();
    heartbeat?.();
    this.armSecond();
    this.stops.push(() => this.restSecond());
    if (heartbeat && !this.heartbeatRides) this.stops.push(every(clock, heartbeatIntervalMs, heartbeat));
  }

  /** The timer a second, on the clock's grid of 1 s: the same instants whether or not it rested. */
  private armSecond(): void {
    if (this.cancelSecond || !this.running) return;
    const { clock } = this.options;
    if (this.sharing) {
      this.sharing = false;
      const due = this.options.sharedSecond!.leave(this);
      // Either way no sample is owed below: its second of this instant ran already (a repeat, or
      // its own before it joined), before what woke it, or runs now in full.
      this.secondRested = false;
      if (due) {
        // The shared second of this instant is still to come: this host's is due now, after what woke it.
        this.cancelSecond = everyOnGrid(clock, CPU_USAGE_SAMPLE_INTERVAL_MS, this.onSecond, true);
        return;
      }
    }
    // Woken at an instant of the grid: the second's timer runs after what woke it, as it would have.
    if (clock.nowMs() % CPU_USAGE_SAMPLE_INTERVAL_MS === 0 && this.secondRested) this.cpuUsage.sample();
    this.secondRested = false;
    this.cancelSecond = everyOnGrid(clock, CPU_USAGE_SAMPLE_INTERVAL_MS, this.onSecond);
  }

  private restSecond(): void {
    this.cancelSecond?.();
    this.cancelSecond = undefined;
    this.secondRested = true;
  }

  private second(): void {
    this.cpuUsage.sample();
    this.lookForWork();
    this.names?.retryUnwritten();
    if (this.heartbeatRides) this.publishHeartbeat();
    if (this.mayRest) this.restSecond();
    else if (this.mayShare) {
      this.restSecond();
      this.sharing = true;
      this.sharedAccountedUntilMs = this.toolstack.hypervisor.accountedUntilMs;
      this.options.sharedSecond!.join(this);
    }
  }

  /**
   * Whether its next seconds would only publish this second's heartbeat again (host/shared-second.ts):
   * it has a SharedSecond, its heartbeat rides the second and showed what the one before did, and
   * nothing else would happen (mayRest's conditions but the heartbeat).
   */
  private get mayShare(): boolean {
    return (
      this.options.sharedSecond !== undefined && this.heartbeatRides && this.lastBeatRepeated && this.isQuiet
    );
  }

  /** No work, no HA guard, a CPU sample that would change nothing, no name write waiting. */
  private get isQuiet(): boolean {
    return !this.busy && !this.ha?.guarding && this.cpuUsage.isSettled && !this.names?.hasUnwritten;
  }

  repeatSecond(nowMs: number): boolean {
    const last = this.lastBeat;
    if (!this.running || !this.sharing || last === undefined) return false;
    if (this.checksRepeats) this.checkRepeat(last);
    const epochMs = this.epochMs;
    const beat = repeatedHeartbeat(
      last,
      this.heartbeatSequence++,
      epochMs ? epochMs() : nowMs,
      this.checksRepeats,
    );
    if (this.bus) publishFrozenJson(this.bus, this.heartbeatSubjectText, beat);
    return true;
  }

  /** SharedSecond.checksRepeats: throws if this second would not be a repeat (a change did not wake the host). */
  private checkRepeat(last: FrozenJson<Heartbeat>): void {
    const why = this.busy
      ? "it is busy"
      : this.hasWork
        ? "work came without waking it"
        : this.ha?.guarding
          ? "HA guards it"
          : this.names?.hasUnwritten
            ? "a name write waits"
            : this.toolstack.hypervisor.accountedUntilMs !== this.sharedAccountedUntilMs
              ? "its CPU time moved"
              : !this.wouldShowSame(last)
                ? "its heartbeat changed"
                : undefined;
    if (why)
      throw new Error(
        `${this.hostId}: its shared second at ${this.options.clock.nowMs()} ms would repeat a stale heartbeat: ${why}`,
      );
  }

  secondAfterStall(): void {
    if (this.running) this.ownSecondNow();
  }

  /** A whole second now, as its own timer's at this instant, and its own timer from then on. */
  private ownSecondNow(): void {
    this.sharing = false;
    this.secondRested = false;
    this.second();
    if (!this.secondRested) this.armSecond();
  }

  /**
   * Whether a heartbeat made now would show what `last` does (showsSame), read from the counters
   * and figures it is made of without making it.
   */
  private wouldShowSame(last: Heartbeat): boolean {
    const toolstack = this.toolstack;
    const hypervisor = toolstack.hypervisor;
    const frames = hypervisor.frames;
    return (
      last.address === this.address &&
      last.totalMemoryKib === memoryKibOfFrames(frames.frameCountTotal) &&
      last.freeMemoryKib === memoryKibOfFrames(frames.frameCountFreeNow) &&
      last.domainCount === hypervisor.domainCount &&
      last.migrationsOutbound === this.migrations.outboundCount &&
      last.migrationsInbound === this.migrations.inboundCount &&
      last.listVersion === this.listVersion &&
      last.vcpusAllocated === vcpusAllocatedOf(toolstack) &&
      (last.cpupools as unknown) === this.heartbeatCpupools.of(toolstack)
    );
  }

  /**
   * Whether the timer a second would do nothing until something wakes the host: no heartbeat rides
   * it, the host has no work (work arrives with a domain event or a migration, which wake it), HA
   * needs no guard (it is off: a guard decides nothing) and a CPU sample would change nothing (no
   * tick since the last two, so every later sample is the same until the host wakes), and no name
   * write (a destroyed guest's free, a migrated one's hand-over) waits for the store
   * (HostNames.retryUnwritten).
   */
  private get mayRest(): boolean {
    return !this.heartbeatRides && this.isQuiet;
  }

  /** Stops every timer of this host; the bus is the wiring's to close. */
  stop(): void {
    this.running = false;
    if (this.sharing) this.options.sharedSecond!.leave(this);
    this.sharing = false;
    for (const stop of this.stops.splice(0)) stop();
  }

  /** Whether the guests have work or a migration runs: the host then ticks every TICK_INTERVAL_MS. */
  get hasWork(): boolean {
    return this.toolstack.hasWork || this.migrations.outboundCount > 0 || this.migrations.inboundCount > 0;
  }

  /**
   * Work may have arrived (a domain event, a migration): an idle host skips the idle stretch, which
   * ran nothing, and ticks again in TICK_INTERVAL_MS.
   */
  wake(): void {
    if (!this.running || this.busy) return;
    this.toolstack.hypervisor.skipIdleTime();
    this.busy = true;
    this.scheduleTick();
    this.armSecond();
  }

  /** The idle host's once-a-second look: HA's guard, and a tick again if work came unannounced. */
  private lookForWork(): void {
    if (this.busy) return;
    this.guard();
    if (this.hasWork) this.wake();
  }

  private tick(): void {
    this.tickCount++;
    // HA's guard first: a host waking from a stall holds its protected guests before they run.
    this.guard();
    this.toolstack.hypervisor.tick();
    this.busy = this.hasWork;
    if (this.busy) this.scheduleTick();
  }

  /** The next tick at the next multiple of TICK_INTERVAL_MS of the clock (a grid all hosts share). */
  private scheduleTick(): void {
    this.tickTimer.arm(delayToGridMs(this.options.clock.nowMs(), TICK_INTERVAL_MS));
  }

  /**
   * The answer to a peer's network heartbeat (HaPeer.Ping, docs/specs/ha.md §3): the caller is
   * pinged back from now on, and learns whom this host reaches. Without HA: reaches nobody.
   */
  answerPeerPing(fromHostId: string, fromAddress: string): string[] {
    const ha = this.ha;
    if (!ha) return [];
    if (fromHostId && fromAddress) ha.notePeer(fromHostId, fromAddress);
    return ha.view.reaches(this.options.clock.nowMs());
  }

  /** Decides about the protected guests before anything else runs (every RPC and tick calls it). */
  guard(): void {
    this.ha?.guard();
  }

  /**
   * The heartbeat's listVersion: a sum of counters that only grow, so it moves with any of them —
   * xenstore changes, domain events, fences (a new lease epoch) and ticks (the guests' CPU times:
   * a host whose guests run is listed by every reconcile, as xsim list's Time(s) needs).
   */
  private get listVersion(): number {
    return (
      this.toolstack.store.changeCount + this.domainEventCount + (this.ha?.fenceCount ?? 0) + this.tickCount
    );
  }

  publishHeartbeat(): void {
    const { epochMs, clock, bus } = this.options;
    const beat = frozenHeartbeat(
      this.toolstack,
      this.address,
      this.heartbeatSequence++,
      this.options.heartbeatIntervalMs,
      this.migrations.outboundCount,
      this.migrations.inboundCount,
      epochMs ? epochMs() : clock.nowMs(),
      this.listVersion,
      this.heartbeatCpupools,
    );
    const last = this.lastBeat;
    this.lastBeatRepeated = last !== undefined && showsSame(last, beat);
    this.lastBeat = beat;
    // JSON on NATS; in one process the bus carries the frozen value itself (contracts/bus.ts FrozenJson).
    if (bus) publishFrozenJson(bus, this.heartbeatSubjectText, beat);
  }

  /** `xl migrate` from this host: the source's half, over this host's links. */
  async migrate(
    request: OutboundRequest,
    onProgress: (stats: MigrationStatsView) => void = () => undefined,
  ): Promise<MigrationStatsView> {
    const peer = this.options.links.destination(request.destination);
    this.wake();
    try {
      return await migrateOut(
        {
          toolstack: this.toolstack,
          manager: this.migrations,
          clock: this.options.clock,
          scheduler: this.options.engine,
          selfAddress: this.address,
          newId: this.newId,
          newToken: this.newToken,
          wrappersFor: wrappersWithArmedFaults(this.faults, this.options.engine),
          ...(this.haTrace ? { haTrace: this.haTrace } : {}),
          onProgress: (stats) => {
            const subject = migrationSubject(stats.migrationId, "progress");
            this.options.bus?.publish(subject, encodeJson(stats));
            onProgress(stats);
          },
        },
        request,
        peer,
      );
    } finally {
      peer.close();
      // A guest given back to this host while it holds is held too (docs/specs/ha.md §4 rule 9).
      this.ha?.holdAgain();
    }
  }

  /**
   * Cancels the migration this host sends of `ref` (a name, domid or uuid, or the migration's id),
   * as QEMU's migrate_cancel: honoured until the handover (docs/specs/migration-protocol.md,
   * "Cancel"); the migration then ends `cancelled` and the guest runs on here.
   */
  cancelMigration(ref: string, reason: string): MigrationStatsView {
    let name = ref;
    try {
      name = this.toolstack.requireDomain(ref).name;
    } catch {
      // Not a domain here: a migration id, or a domain this host does not hold.
    }
    if (name.endsWith(MIGRATED_AWAY_SUFFIX)) name = name.slice(0, -MIGRATED_AWAY_SUFFIX.length);
    const base = name.endsWith(INCOMING_SUFFIX) ? name.slice(0, -INCOMING_SUFFIX.length) : name;
    if ([...this.toolstack.records.values()].some((r) => r.name === `${base}${INCOMING_SUFFIX}`))
      throw new ToolstackError(
        "NOT_FOUND",
        `${base} is arriving at this host (${base}${INCOMING_SUFFIX}): cancel its migration at its source`,
      );
    return this.migrations.cancelOutbound(name, reason);
  }

  /** `xl save`. */
  save(request: SaveRequest): Promise<MigrationStatsView> {
    this.wake();
    return saveToFile(this.toolstack, this.migrations, this.files(), request, this.options.engine);
  }

  /** `xl restore`. */
  async restore(request: RestoreRequest): Promise<RestoreReply> {
    this.wake();
    // The file is confined before anything reads it, even its first record.
    const confined = { ...request, path: this.files().forReading(request.path) };
    const restore = (r: RestoreRequest) => restoreFromFile(this.toolstack, this.files(), r);
    const identity = this.names ? await readSaveIdentity(confined.path) : undefined;
    if (!this.names || !identity) return restore(confined);
    return this.names.restore(confined, identity, restore);
  }

  /**
   * Where every file a caller names (save, restore, and any later file verb such as dump-core)
   * must resolve: take paths through this, never open a caller's path directly.
   */
  files(): ConfinedPaths {
    if (this.options.files) return this.options.files;
    throw new ToolstackError("FAILED_PRECONDITION", "this host has no state directory for file operations");
  }

  receive(channel: ReceiveChannel): ReceiveSession {
    this.wake();
    return this.destination.open(channel);
  }

  attachPull(migrationId: string, pullToken: string, sink: StreamSink): void {
    this.migrations.attachPull(migrationId, pullToken, sink);
  }

  incomingStatus(migrationId: string): IncomingState {
    return this.destination.status(migrationId);
  }

  private log(line: string): void {
    this.options.log?.(`${this.hostId}: ${line}`);
  }
}
