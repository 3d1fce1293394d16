import type { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import type { StateStore, StoreEntry } from "../contracts/state-store.js";
import type { DomainConfig } from "../dom0/xlcfg/domain-config.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import type { DomainInfo, ListResponse } from "../gen/xensim/v1/host.js";
import { MigrateEvent, type MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { HostGateway } from "../scheduler/host-gateway.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { domainInfo } from "../transport/grpc/domain-info.js";
import { BROKER_ID } from "./network.js";
import { SCHEDULER_ID, SimCluster, type SimHostSpec } from "./cluster.js";
import type { SimKv } from "./sim-kv.js";
import { SimHostGateway } from "./sim-gateway.js";

/** The rig's heartbeat interval and the scheduler's missed-heartbeat count (down after 600 ms). */
export const RIG_HEARTBEAT_MS = 200;
export const RIG_MISSED_HEARTBEATS = 3;
/** Domain-0's memory on each rig host, on top of the memory a test gives its guests. */
export const RIG_DOM0_MIB = 256;
/** The xl.cfg builder's PRNG seed (uuids of guests whose config names none). */
const CONFIG_SEED = 7;

/** A small guest, as a test writes it. */
export interface RigGuest {
  name: string;
  memoryMib: number;
  vcpus?: number;
  type?: "pv" | "pvh" | "hvm";
  ha?: "restart" | "best-effort";
  antiAffinity?: string;
  uuid?: string;
  /** `xsim_workload`, e.g. "fill" (default idle). */
  workload?: string;
}

/**
 * The uuid a rig guest gets unless it names one: fixed by its name (FNV-1a), so that tests can
 * name it before it exists and every guest has its own.
 */
export function rigUuid(name: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(name)) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffn;
  return `00000000-0000-4000-8000-${hash.toString(16).padStart(12, "0")}`;
}

/** The xl.cfg text of a small guest (uuid `rigUuid(name)` unless it has one). */
export function guestCfg(guest: RigGuest): string {
  const lines = [`name = "${guest.name}"`, `memory = ${guest.memoryMib}`, `vcpus = ${guest.vcpus ?? 1}`];
  lines.push(guest.type === "hvm" ? `type = "hvm"` : `type = "${guest.type ?? "pv"}"\nkernel = "/k"`);
  if (guest.ha) lines.push(`xsim_ha = "${guest.ha}"`);
  if (guest.antiAffinity) lines.push(`xsim_anti_affinity = "${guest.antiAffinity}"`);
  if (guest.workload) lines.push(`xsim_workload = "${guest.workload}"`);
  lines.push(`uuid = "${guest.uuid ?? rigUuid(guest.name)}"`);
  return `${lines.join("\n")}\n`;
}

/** A guest's validated config, as the real xl.cfg builder makes it. */
export function guestConfig(guest: RigGuest): DomainConfig {
  return loadDomainConfig(guestCfg(guest), `${guest.name}.cfg`, [], new Prng(CONFIG_SEED));
}

/**
 * A DomainInfo as a host's List reports this guest (uuid `uuid-<name>` unless it has one), for
 * tests of what the scheduler makes of a List without any host.
 */
export function guestDomainInfo(domid: number, guest: RigGuest): DomainInfo {
  const config = guestConfig(guest);
  const memoryKib = config.memoryMib * 1024;
  return {
    domid,
    name: config.name,
    uuid: guest.uuid ?? `uuid-${guest.name}`,
    type: config.type,
    state: "-b----",
    memoryKib,
    maxmemKib: config.maxmemMib * 1024,
    vcpusOnline: config.vcpus,
    maxvcpus: config.maxvcpus,
    cpuTimeNs: 0,
    weight: config.cpuWeight,
    cap: config.cap,
    shutdownReason: -1,
    configJson: JSON.stringify({ ...config, uuid: guest.uuid ?? `uuid-${guest.name}` }),
    workload: "idle",
    populatedPages: 0,
    cpupool: config.pool ?? "Pool-0",
  };
}

/**
 * What the scheduler asked of the hosts, recorded at the HostGateway (as a capture of its gRPC
 * calls would), and one gateway-level fault: a Migrate that answers "failed" without running.
 */
export class GatewayRecorder implements HostGateway {
  readonly createCalls: Array<{ hostId: string; name: string }> = [];
  /** The hosts listed, in order (reconcile, a domain event's sync, a host that appeared). */
  readonly listCalls: string[] = [];
  readonly migrateCalls: Array<{ domain: string; fromHostId: string; toHostId: string; bandwidth: string }> =
    [];
  /** Hosts (by id) whose List fails at once, as if the answer were lost. */
  readonly failingLists = new Set<string>();
  /** Domains (by name) whose Migrate fails at once, the guest left on its source. */
  readonly failingMigrations = new Set<string>();
  migrationsInFlight = 0;
  migrationsInFlightMax = 0;
  /** Called as the scheduler sends a Migrate, before it reaches the source. */
  onMigrateStart: (request: MigrateRequest) => void = () => undefined;

  constructor(
    private readonly inner: HostGateway,
    private readonly cluster: SimCluster,
  ) {}

  list(address: string): Promise<ListResponse> {
    const hostId = this.hostIdAt(address);
    this.listCalls.push(hostId);
    if (this.failingLists.has(hostId))
      return Promise.reject(new Error(`List to ${hostId}: no route to host`));
    return this.inner.list(address);
  }

  async create(address: string, request: Parameters<HostGateway["create"]>[1]): Promise<DomainInfo> {
    const domain = await this.inner.create(address, request);
    this.createCalls.push({ hostId: this.hostIdAt(address), name: domain.name });
    return domain;
  }

  async migrate(
    sourceAddress: string,
    request: MigrateRequest,
    onEvent: (event: MigrateEvent) => void,
  ): Promise<MigrateEvent> {
    const fromHostId = this.hostIdAt(sourceAddress);
    const name = this.nameOn(fromHostId, request.domain);
    this.migrateCalls.push({
      domain: name,
      fromHostId,
      toHostId: this.hostIdAt(request.destination),
      bandwidth: request.bandwidth,
    });
    this.onMigrateStart(request);
    this.migrationsInFlight++;
    this.migrationsInFlightMax = Math.max(this.migrationsInFlightMax, this.migrationsInFlight);
    try {
      if (this.failingMigrations.has(name))
        return MigrateEvent.fromPartial({
          stats: { domain: name, status: "failed", error: "injected failure" },
          final: true,
        });
      return await this.inner.migrate(sourceAddress, request, onEvent);
    } finally {
      this.migrationsInFlight--;
    }
  }

  private hostIdAt(address: string): string {
    return this.cluster.hostAt(address)?.hostId ?? address;
  }

  private nameOn(hostId: string, ref: string): string {
    const records = this.cluster.hosts.get(hostId)?.toolstack.records.values() ?? [];
    return [...records].find((r) => r.uuid === ref || r.name === ref)?.name ?? ref;
  }
}

/** The bucket as an operator reads and writes it (`nats kv`), at once, beside the processes. */
export class BucketView implements StateStore {
  constructor(private readonly kv: SimKv) {}

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.kv.peek(key)?.value);
  }

  entry(key: string): Promise<StoreEntry | undefined> {
    return Promise.resolve(this.kv.peek(key));
  }

  put(key: string, value: string): Promise<void> {
    this.kv.put(key, value);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.kv.delete(key);
    return Promise.resolve();
  }

  keys(prefix: string): Promise<string[]> {
    return Promise.resolve(this.kv.keysNow(prefix));
  }

  create(key: string, value: string): Promise<number | undefined> {
    return Promise.resolve(this.kv.createIfAbsent(key, value));
  }

  update(key: string, value: string, revision: number): Promise<number | undefined> {
    return Promise.resolve(this.kv.updateAt(key, value, revision));
  }

  remove(key: string, revision: number): Promise<boolean> {
    if (this.kv.peek(key)?.revision !== revision) return Promise.resolve(false);
    this.kv.delete(key);
    return Promise.resolve(true);
  }
}

export interface SchedulerRigOptions {
  seed?: number;
  /** What the bucket holds before the scheduler starts (key -> value). */
  state?: Readonly<Record<string, string>>;
}

/**
 * The scheduler's seeded test bench: the real `Scheduler` class alone (no HA monitor, no leader
 * lease, no background tasks unless a test starts them) over real `Host`s of the one-process
 * cluster, their heartbeats on the simulated broker, its calls over the simulated network, its
 * state in the simulated bucket. The same seed and calls give the same run.
 */
export class SchedulerRig {
  readonly log: string[] = [];
  readonly calls: GatewayRecorder;
  /** The bucket, read and written by the test directly. */
  readonly store: BucketView;
  private schedulerNow: Scheduler | undefined;
  private generation = 0;

  private constructor(
    readonly cluster: SimCluster,
    private readonly seed: number,
  ) {
    const gateway = new SimHostGateway(cluster.network, SCHEDULER_ID, (a) => cluster.hostAt(a));
    this.calls = new GatewayRecorder(gateway, cluster);
    this.store = new BucketView(cluster.kv);
  }

  /** `hosts`' memoryMib is what their guests may use: each also gets RIG_DOM0_MIB for Domain-0. */
  static async start(
    hosts: readonly SimHostSpec[],
    options: SchedulerRigOptions = {},
  ): Promise<SchedulerRig> {
    const seed = options.seed ?? 1;
    const cluster = await SimCluster.start({
      seed,
      hosts: hosts.map((h) => ({ ...h, memoryMib: h.memoryMib + RIG_DOM0_MIB, dom0MemoryMib: RIG_DOM0_MIB })),
      withScheduler: false,
      heartbeatIntervalMs: RIG_HEARTBEAT_MS,
    });
    for (const [key, value] of Object.entries(options.state ?? {})) cluster.kv.put(key, value);
    const rig = new SchedulerRig(cluster, seed);
    await rig.startScheduler();
    return rig;
  }

  get clock(): SimulatedClock {
    return this.cluster.clock;
  }

  get scheduler(): Scheduler {
    if (!this.schedulerNow) throw new Error("SchedulerRig: the scheduler is stopped");
    return this.schedulerNow;
  }

  /** Starts a scheduler (again, after `stopScheduler`), as its process would: it reads the bucket. */
  async startScheduler(): Promise<Scheduler> {
    const scheduler = new Scheduler({
      clock: this.cluster.network.process(SCHEDULER_ID).clock,
      prng: new Prng(this.seed).fork(1000 + this.generation++),
      bus: this.cluster.broker.connect(SCHEDULER_ID),
      store: this.cluster.kv.connect(SCHEDULER_ID),
      gateway: this.calls,
      missedHeartbeatCountMax: RIG_MISSED_HEARTBEATS,
      log: (line) => this.log.push(line),
    });
    // No HaMonitor here: HA is off, as if the statefile said so.
    scheduler.haEnabled = false;
    await this.run(scheduler.start());
    this.schedulerNow = scheduler;
    // A first beat of each host, and its domains read.
    await this.idle(RIG_HEARTBEAT_MS);
    for (const host of scheduler.view.upHosts()) await this.run(scheduler.syncHost(host));
    return scheduler;
  }

  stopScheduler(): void {
    this.schedulerNow?.stop();
    this.schedulerNow = undefined;
  }

  /** The scheduler's process dies and starts again (what it had in flight is lost). */
  async restartScheduler(): Promise<Scheduler> {
    this.stopScheduler();
    const process = this.cluster.network.process(SCHEDULER_ID);
    process.crash();
    process.restart();
    return this.startScheduler();
  }

  run<T>(work: Promise<T>): Promise<T> {
    return this.cluster.run(work);
  }

  idle(ms: number): Promise<void> {
    return this.cluster.idle(ms);
  }

  stop(): Promise<void> {
    this.stopScheduler();
    return Promise.resolve();
  }

  /**
   * Starts a guest on a host's toolstack directly (`xl create` on that host, no cluster name
   * taken): the scheduler learns of it as of any guest it did not place.
   */
  addGuest(hostId: string, guest: RigGuest): DomainInfo {
    const toolstack = this.cluster.host(hostId).toolstack;
    const config: DomainConfig = loadDomainConfig(
      guestCfg(guest),
      `${guest.name}.cfg`,
      [],
      new Prng(CONFIG_SEED),
    );
    return domainInfo(toolstack, toolstack.create(config, { paused: false }));
  }

  /** The names of the guests a host runs (Domain-0 and migration stand-ins left out). */
  domainsOn(hostId: string): string[] {
    const host = this.cluster.host(hostId);
    if (host.process.state !== "running") return [];
    return [...host.toolstack.records.values()]
      .filter((r) => r.domid !== 0 && !r.name.includes("--"))
      .map((r) => r.name);
  }

  /** Where each guest runs on the hosts that are up: "name@host", sorted. */
  placements(): string[] {
    return [...this.cluster.hosts.keys()].flatMap((h) => this.domainsOn(h).map((n) => `${n}@${h}`)).sort();
  }

  /** What a host's heartbeat says is free now. */
  freeMemoryKib(hostId: string): number {
    const frames = this.cluster.host(hostId).toolstack.hypervisor.frames;
    return (frames.frameCountFreeNow * PAGE_SIZE_BYTES) / 1024;
  }

  /** The uuid of the guest of this name on a host. */
  uuidOf(hostId: string, name: string): string {
    return this.cluster.host(hostId).toolstack.requireDomain(name).uuid;
  }

  /** The host's heartbeats stop reaching the scheduler (cut from the broker), its calls still work. */
  silence(hostId: string, silent: boolean): void {
    if (silent) this.cluster.network.partition([hostId], [BROKER_ID]);
    else this.cluster.network.heal();
  }
}
