import type { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { MIB } from "../core/units.js";
import type { Bus } from "../contracts/bus.js";
import { encodeJson } from "../contracts/bus.js";
import { heartbeatSubject } from "../contracts/subjects.js";
import type { Heartbeat } from "../contracts/heartbeat.js";
import type { DomainConfig } from "../dom0/xlcfg/domain-config.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import { ToolstackError } from "../dom0/errors.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { MigrateEvent, type MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { HostGateway } from "./host-gateway.js";

/** Simulated time one fake migration takes, unless a test says otherwise. */
export const FAKE_MIGRATION_MS_DEFAULT = 100;
const KIB_PER_MIB = MIB / 1024;
const CONFIG_SEED = 7;

export interface FakeHostSpec {
  hostId: string;
  memoryMib: number;
  dom0MemoryMib?: number;
  pcpus?: number;
  hvm?: boolean;
}

/** One host as the scheduler sees it: a domain list, a heartbeat, a gRPC address. */
export class FakeHost {
  readonly address: string;
  readonly domains: DomainInfo[] = [];
  /** A dead host publishes no heartbeat and answers no call. */
  alive = true;
  /** A silent host answers calls but its heartbeats do not arrive (partitioned, or late). */
  silent = false;
  sequence = 0;
  migrationsOutbound = 0;
  migrationsInbound = 0;
  private domidNext = 1;

  constructor(readonly spec: FakeHostSpec) {
    this.address = `fake-${spec.hostId}:1`;
  }

  get hostId(): string {
    return this.spec.hostId;
  }

  freeMemoryKib(): number {
    const usedKib = this.domains.reduce((sum, d) => sum + d.memoryKib, 0);
    return (this.spec.memoryMib - (this.spec.dom0MemoryMib ?? 0)) * KIB_PER_MIB - usedKib;
  }

  heartbeat(intervalMs: number): Heartbeat {
    return {
      hostId: this.hostId,
      address: this.address,
      sequence: this.sequence++,
      timeMs: 0,
      pcpus: this.spec.pcpus ?? 8,
      hvm: this.spec.hvm ?? true,
      totalMemoryKib: this.spec.memoryMib * KIB_PER_MIB,
      freeMemoryKib: this.freeMemoryKib(),
      domainCount: this.domains.length + 1,
      vcpusAllocated: this.domains.reduce((sum, d) => sum + d.vcpusOnline, 0),
      migrationsOutbound: this.migrationsOutbound,
      migrationsInbound: this.migrationsInbound,
      intervalMs,
    };
  }

  /** Starts a domain here from a validated config, as the host's Create does. */
  start(config: DomainConfig): DomainInfo {
    const memoryKib = config.memoryMib * KIB_PER_MIB;
    if (this.freeMemoryKib() < memoryKib)
      throw new ToolstackError(
        "RESOURCE_EXHAUSTED",
        `${this.hostId}: out of memory for ${config.name} (${this.freeMemoryKib()} KiB free)`,
      );
    if (this.domains.some((d) => d.name === config.name))
      throw new ToolstackError("ALREADY_EXISTS", `${this.hostId}: a domain is named ${config.name}`);
    const uuid = config.uuid ?? `uuid-${config.name}`;
    const domain = fakeDomain(this.domidNext++, { ...config, uuid }, memoryKib);
    this.domains.push(domain);
    return domain;
  }

  remove(name: string): DomainInfo {
    const index = this.domains.findIndex((d) => d.name === name);
    const [domain] = index < 0 ? [] : this.domains.splice(index, 1);
    if (!domain) throw new ToolstackError("NOT_FOUND", `${this.hostId}: no domain ${name}`);
    return domain;
  }
}

export interface FakeGuest {
  name: string;
  memoryMib: number;
  vcpus?: number;
  type?: "pv" | "pvh" | "hvm";
  ha?: "restart" | "best-effort";
  antiAffinity?: string;
  /** Default `uuid-<name>`. */
  uuid?: string;
}

/** The xl.cfg text of a small guest. */
export function guestCfg(guest: FakeGuest): string {
  const lines = [`name = "${guest.name}"`, `memory = ${guest.memoryMib}`, `vcpus = ${guest.vcpus ?? 1}`];
  lines.push(guest.type === "hvm" ? `type = "hvm"` : `type = "${guest.type ?? "pv"}"\nkernel = "/k"`);
  if (guest.ha) lines.push(`xsim_ha = "${guest.ha}"`);
  if (guest.antiAffinity) lines.push(`xsim_anti_affinity = "${guest.antiAffinity}"`);
  return `${lines.join("\n")}\n`;
}

/** A guest's validated config, as the real xl.cfg builder makes it. */
export function guestConfig(guest: FakeGuest): DomainConfig {
  return loadDomainConfig(guestCfg(guest), `${guest.name}.cfg`, [], new Prng(CONFIG_SEED));
}

/** A domain as a host's List reports it (uuid `uuid-<name>` unless the config has one). */
export function fakeDomainInfo(domid: number, guest: FakeGuest): DomainInfo {
  const config = guestConfig(guest);
  return fakeDomain(domid, { ...config, uuid: `uuid-${guest.name}` }, config.memoryMib * KIB_PER_MIB);
}

/**
 * A cluster of fake hosts behind the scheduler's HostGateway, heartbeating on a bus, in one
 * process under a simulated clock. Records every call so tests can count and order them.
 */
export class FakeCluster implements HostGateway {
  readonly hosts: FakeHost[] = [];
  readonly createCalls: Array<{ hostId: string; name: string }> = [];
  readonly migrateCalls: Array<{ domain: string; fromHostId: string; toHostId: string; bandwidth: string }> =
    [];
  /** Domains whose migrations fail (the source keeps them). */
  readonly failingMigrations = new Set<string>();
  migrationMs = FAKE_MIGRATION_MS_DEFAULT;
  /** Outbound migrations one source runs at once; a real host's is 2 (migration-manager.ts). */
  outboundCountMax = Number.POSITIVE_INFINITY;
  private readonly outbound = new Map<string, Set<string>>();
  migrationsInFlight = 0;
  migrationsInFlightMax = 0;
  /** Called when a migration starts, before it takes any time. */
  onMigrateStart: (request: MigrateRequest) => void = () => undefined;
  private readonly prng = new Prng(CONFIG_SEED);

  constructor(
    private readonly clock: SimulatedClock,
    private readonly bus: Bus,
  ) {}

  addHost(spec: FakeHostSpec): FakeHost {
    const host = new FakeHost(spec);
    this.hosts.push(host);
    return host;
  }

  host(hostId: string): FakeHost {
    const host = this.hosts.find((h) => h.hostId === hostId);
    if (!host) throw new Error(`FakeCluster: no host ${hostId}`);
    return host;
  }

  /** Starts a guest directly on a host (as `xsim -H host create` would). */
  addGuest(hostId: string, guest: FakeGuest): DomainInfo {
    const config = guestConfig(guest);
    return this.host(hostId).start(guest.uuid ? { ...config, uuid: guest.uuid } : config);
  }

  publishHeartbeats(intervalMs: number): void {
    for (const host of this.hosts)
      if (host.alive && !host.silent)
        this.bus.publish(heartbeatSubject(host.hostId), encodeJson(host.heartbeat(intervalMs)));
  }

  /** Where each domain runs on the hosts that are alive, by name: "name@host", sorted. */
  placements(): string[] {
    return this.hosts
      .filter((h) => h.alive)
      .flatMap((h) => h.domains.map((d) => `${d.name}@${h.hostId}`))
      .sort();
  }

  list(address: string): Promise<DomainInfo[]> {
    return Promise.resolve().then(() => this.reachable(address).domains.map((d) => ({ ...d })));
  }

  create(
    address: string,
    request: { configText: string; configFileName: string; overrides: string[]; configJson?: string },
  ): Promise<DomainInfo> {
    return Promise.resolve().then(() => {
      const host = this.reachable(address);
      const config = request.configJson
        ? (JSON.parse(request.configJson) as DomainConfig)
        : loadDomainConfig(request.configText, request.configFileName, request.overrides, this.prng);
      const domain = host.start(config);
      this.createCalls.push({ hostId: host.hostId, name: domain.name });
      return { ...domain };
    });
  }

  async migrate(
    sourceAddress: string,
    request: MigrateRequest,
    onEvent: (event: MigrateEvent) => void,
  ): Promise<MigrateEvent> {
    const source = this.reachable(sourceAddress);
    const destination = this.reachable(request.destination);
    const domain = source.domains.find((d) => d.name === request.domain || d.uuid === request.domain);
    if (!domain) throw new ToolstackError("NOT_FOUND", `${source.hostId}: no domain ${request.domain}`);
    const busy = this.outbound.get(source.hostId) ?? new Set<string>();
    this.outbound.set(source.hostId, busy);
    if (busy.has(domain.name))
      throw new ToolstackError("FAILED_PRECONDITION", `domain ${domain.name} is already being migrated`);
    if (busy.size >= this.outboundCountMax)
      throw new ToolstackError(
        "RESOURCE_EXHAUSTED",
        `this host already runs ${busy.size} outbound migrations (limit ${this.outboundCountMax})`,
      );
    busy.add(domain.name);
    this.migrateCalls.push({
      domain: domain.name,
      fromHostId: source.hostId,
      toHostId: destination.hostId,
      bandwidth: request.bandwidth,
    });
    this.onMigrateStart(request);
    this.migrationsInFlight++;
    this.migrationsInFlightMax = Math.max(this.migrationsInFlightMax, this.migrationsInFlight);
    source.migrationsOutbound++;
    destination.migrationsInbound++;
    try {
      await new Promise<void>((resolve) => this.clock.setTimer(this.migrationMs, resolve));
      if (this.failingMigrations.has(domain.name)) return final(domain.name, "failed", "injected failure");
      const config = JSON.parse(domain.configJson) as DomainConfig;
      destination.start(config);
      source.remove(domain.name);
      const last = final(domain.name, "completed", "", destination.hostId);
      onEvent(last);
      return last;
    } finally {
      this.migrationsInFlight--;
      source.migrationsOutbound--;
      destination.migrationsInbound--;
      busy.delete(domain.name);
    }
  }

  private reachable(address: string): FakeHost {
    const host = this.hosts.find((h) => h.address === address);
    if (!host) throw new Error(`FakeCluster: no host at ${address}`);
    if (!host.alive) throw new ToolstackError("UNAVAILABLE", `${host.hostId} does not answer`);
    return host;
  }
}

function final(domain: string, status: string, error: string, destination = ""): MigrateEvent {
  return MigrateEvent.fromPartial({ stats: { domain, status, error, destination }, final: true });
}

function fakeDomain(domid: number, config: DomainConfig, memoryKib: number): DomainInfo {
  return {
    domid,
    name: config.name,
    uuid: config.uuid ?? "",
    type: config.type,
    state: "-b----",
    memoryKib,
    maxmemKib: config.maxmemMib * KIB_PER_MIB,
    vcpusOnline: config.vcpus,
    maxvcpus: config.maxvcpus,
    cpuTimeNs: 0,
    weight: config.cpuWeight,
    cap: config.cap,
    shutdownReason: -1,
    configJson: JSON.stringify(config),
    workload: "idle",
    populatedPages: 0,
    cpupool: config.pool ?? "Pool-0",
  };
}
