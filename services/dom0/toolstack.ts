import { hostCpus } from "../core/numa.js";
import type { Clock } from "../core/clock.js";
import type { Prng } from "../core/prng.js";
import type { Domain } from "../core/domain.js";
import { ShutdownReason } from "../core/domain-state.js";
import { Hypervisor } from "../core/hypervisor.js";
import { parseWorkloadSpec } from "../core/workload/spec.js";
import { CpuDemandSpecError, type SchedulerName, parseCpuDemandSpec } from "../core/sched/index.js";
import type { Dom0Spec, HostSpec } from "../core/host-spec.js";
import { DOMID_DOM0, mibToKib } from "../core/units.js";
import { XenStore } from "../xenstore/store.js";
import {
  controlShutdownPath,
  memoryStaticMaxPath,
  memoryTargetPath,
  startTimePath,
  vmPath,
} from "../xenstore/paths.js";
import type { DomainConfig, LifecycleAction } from "./xlcfg/domain-config.js";
import { ToolstackError } from "./errors.js";
import { toToolstackError } from "./xen-error-map.js";
import {
  type DomainEvent,
  type EventSink,
  type DomainEventKind,
  NULL_EVENT_SINK,
} from "../contracts/domain-event.js";
import { GuestAgent } from "./guest-agent.js";
import { BackendDriver } from "./devices/backend-driver.js";
import {
  addDevice,
  closeDevice,
  deviceBackendPath,
  removeDevice,
  type SplitDevice,
} from "./devices/split-device.js";
import { devicesFor } from "./domain-devices.js";
import { removeDomainLayout, renameInLayout, writeDomainLayout } from "./xenstore-layout.js";
import { textStream, uuidFromPrng } from "./uuid.js";
import { checkNameFree, resolveDomain } from "./resolve.js";
import { applyConfigAffinity, checkConfigAffinity } from "./vcpu-control.js";
import { SplitIo, usesPvDrivers } from "./io/split-io.js";
import { grantFrameCountMax, validateIoConfig } from "./io/validate.js";
import { checkDomainName } from "./domain-name.js";
import { checkWorkloadFits } from "./workload-fit.js";
import { checkMemoryKibArg } from "./memory-arg.js";
import { checkRealMemoryClaim, kibToByteCount } from "./real-memory.js";
import { cpupoolForConfig, writeDomainPoolName } from "./cpupool.js";
import { ConsoleRing } from "../core/console-ring.js";
import { CONRING_LINE_COUNT_MAX, describeDomainEvent } from "./host-log.js";

/** What the toolstack keeps about each domain besides what the hypervisor holds (libxl's view). */
export interface DomainRecord {
  domid: number;
  name: string;
  uuid: string;
  config: DomainConfig;
  devices: SplitDevice[];
  guest: GuestAgent | undefined;
}

export interface CreateOptions {
  paused?: boolean;
  /** Keep this domid (a restore with -D); otherwise the next free one. */
  domid?: number;
  /** Create the domain under this name instead of the config's (`NAME--incoming`). */
  nameOverride?: string;
  /** Where the config came from (its file name), for errors about its keys; default "xl.cfg". */
  configSource?: string;
}

/** How the host's hypervisor is booted. */
export interface ToolstackOptions {
  /** Xen's `sched=` boot option; default SCHEDULER_DEFAULT (credit2). */
  scheduler?: SchedulerName;
}

export const DOM0_NAME = "Domain-0";

/** PRNG stream of DomU uuids (1 is the hypervisor's, 2 Dom0's uuid). */
const UUID_STREAM = 3;

/**
 * The Dom0 toolstack of one host (≈ libxl): builds domains from configs, keeps xenstore and the
 * backends in step, runs the on_poweroff/on_reboot/on_crash actions, and reports every change.
 */
export class Toolstack {
  readonly hypervisor: Hypervisor;
  readonly store = new XenStore();
  readonly records = new Map<number, DomainRecord>();
  private readonly backends: BackendDriver[];
  /** Split-driver and emulated I/O through Dom0 (netback, blkback, QEMU). */
  readonly io: SplitIo;
  private readonly shutdownWaiters = new Map<number, Array<() => void>>();
  events: EventSink = NULL_EVENT_SINK;
  /** Domains a migration is moving: user operations that would change them are refused. */
  isMigrating: (domid: number) => boolean = () => false;
  /** Why the host takes no new domains (it is shutting down), or undefined while it does. */
  closedReason: string | undefined = undefined;
  /** Called after every change the toolstack reports (each domain event), whoever listens to events. */
  onChange: () => void = () => undefined;
  /** The host's real-memory budget in bytes (real-memory.ts); Infinity: none. */
  realMemoryByteCountMax = Number.POSITIVE_INFINITY;
  /**
   * The host's say on every new domain (created, restored, arriving by migration), before anything
   * is made; throws to refuse (HA: a protected guest only on a host whose lease holds).
   */
  admit: (config: DomainConfig, name: string) => void = () => undefined;
  /**
   * What a create waits for before `admit` decides (HA: a host just started reads the HA setting
   * first, bounded), so that a create right after the start meets no transient refusal.
   */
  admissionReady: (config: DomainConfig) => Promise<void> = () => Promise.resolve();
  /**
   * The host's say before a user's `unpause` (or `resume`) lets a domain run again; throws to refuse,
   * nothing changed (HA: a protected guest while its host's lease is unconfirmed, docs/specs/ha.md
   * §4 rule 8). The toolstack's own resumes (a migration's handover, a restore, the end of an HA
   * hold) do not ask.
   */
  admitUnpause: (record: DomainRecord) => void = () => undefined;
  /**
   * The host's say before a migration hands a domain to another host, asked when it starts and
   * again just before the handover; throws to refuse (HA: a protected guest while its host's lease
   * is unconfirmed, the same test as admitUnpause, docs/specs/ha.md §4 rule 9).
   */
  admitMigrateOut: (record: DomainRecord) => void = () => undefined;
  /**
   * The host's say before a user's destroy (or a shutdown that ends the guest) of a domain whose
   * name HA guards; throws to refuse, nothing changed (HA: a protected guest while its host's lease
   * is unconfirmed, the same test as admitUnpause, docs/specs/ha.md §4 rule 10).
   */
  admitUserEnd: (record: DomainRecord) => void = () => undefined;
  /** The hypervisor's console ring (`xl dmesg`): boot, then one line per domain event. */
  readonly dmesg = new ConsoleRing(CONRING_LINE_COUNT_MAX, "(XEN) ");
  /** When the host booted, on its clock: Domain-0's uptime and the dmesg timestamps count from here. */
  readonly bootMs: number;

  constructor(
    readonly spec: HostSpec,
    dom0: Dom0Spec,
    readonly clock: Clock,
    readonly prng: Prng,
    options: ToolstackOptions = {},
  ) {
    this.bootMs = clock.nowMs();
    const hypervisorOptions = options.scheduler ? { scheduler: options.scheduler } : {};
    this.hypervisor = new Hypervisor(spec, clock, prng.fork(1), hypervisorOptions);
    this.io = new SplitIo(this.hypervisor, this.store);
    this.backends = [
      new BackendDriver(this.store, "vif", this.io),
      new BackendDriver(this.store, "vbd", this.io),
    ];
    const dom0Uuid = uuidFromPrng(prng.fork(2));
    this.uuidPrng = prng.fork(UUID_STREAM).fork(textStream(spec.hostId));
    this.hypervisor.bootDom0(dom0, dom0Uuid);
    this.store.write("/local/domain/0/name", DOM0_NAME);
    this.store.write("/local/domain/0/domid", "0");
    // xen-init-dom0 gives Dom0 its /vm entry too, so /vm exists before any DomU comes and goes.
    this.store.write("/local/domain/0/vm", vmPath(dom0Uuid));
    this.store.write(`${vmPath(dom0Uuid)}/name`, DOM0_NAME);
    this.store.write(`${vmPath(dom0Uuid)}/uuid`, dom0Uuid);
    this.store.write(memoryTargetPath(0), String(mibToKib(dom0.memoryMib)));
    this.records.set(DOMID_DOM0, dom0Record(dom0Uuid, dom0));
    this.hypervisor.onDomainShutdown((domain) => this.onShutdown(domain));
    this.log(
      `host ${spec.hostId}: ${spec.pcpuCount} pCPUs, ${spec.memoryMib} MiB, scheduler ${this.hypervisor.schedulerName}, Dom0 ${dom0.memoryMib} MiB`,
    );
  }

  /** A line on the hypervisor's console ring, stamped with the seconds since boot. */
  log(message: string): void {
    this.dmesg.append((this.clock.nowMs() - this.bootMs) / 1000, message);
  }

  /** `xl create`: all or nothing. On any refusal the host is left exactly as it was. */
  create(config: DomainConfig, options: CreateOptions = {}): DomainRecord {
    const name = options.nameOverride ?? config.name;
    if (this.closedReason !== undefined)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `host ${this.spec.hostId} ${this.closedReason}: it takes no new domains`,
      );
    checkDomainName(config.name);
    const poolId = cpupoolForConfig(this, config.pool, options.configSource ?? "xl.cfg");
    this.validateForHost(config, name);
    this.checkRealMemory(`domain ${name}`, kibToByteCount(mibToKib(config.maxmemMib)));
    // One stream per create on this host, and the host id in the seed: uuids stay unique among
    // the live domains of a host and across hosts started with the same --seed.
    const uuid = config.uuid ?? this.allocateUuid();
    let domain: Domain;
    try {
      domain = this.hypervisor.createDomain({
        uuid,
        type: config.type,
        memoryKib: mibToKib(config.memoryMib),
        maxmemKib: mibToKib(config.maxmemMib),
        vcpus: config.vcpus,
        maxvcpus: config.maxvcpus,
        weight: config.cpuWeight,
        cap: config.cap,
        workload: config.xsim.workload ?? "idle",
        ...(config.xsim.cpu !== undefined ? { cpuDemand: config.xsim.cpu } : {}),
        ...(options.domid !== undefined ? { domid: options.domid } : {}),
        poolId,
      });
    } catch (error) {
      throw toToolstackError(error);
    }
    const record: DomainRecord = { domid: domain.domid, name, uuid, config, devices: [], guest: undefined };
    try {
      this.buildRecord(record);
      writeDomainPoolName(this, record);
      applyConfigAffinity(this, record);
    } catch (error) {
      this.teardown(record);
      throw toToolstackError(error);
    }
    if (!options.paused) this.start(record); // no "unpaused" event: "created" is the domain's first
    this.emit("created", record);
    return record;
  }

  private createCount = 0;
  private readonly uuidPrng: Prng;

  /** A fresh DomU uuid from this host's stream (create() takes one when the config names none). */
  allocateUuid(): string {
    return uuidFromPrng(this.uuidPrng.fork(this.createCount++));
  }

  private buildRecord(record: DomainRecord): void {
    const devices = devicesFor(record.domid, record.config);
    writeDomainLayout(this.store, record, record.config);
    // libxl__domain_make writes start_time ("%lu.%02d" seconds), which `xl uptime` reads back.
    this.store.write(startTimePath(record.uuid), (this.clock.nowMs() / 1000).toFixed(2));
    this.store.introduceDomain(record.domid);
    const frameCountMax = grantFrameCountMax(record.config);
    if (frameCountMax !== undefined) this.hypervisor.io.setGrantFrameCountMax(record.domid, frameCountMax);
    const pvDrivers = usesPvDrivers(record.config);
    record.guest = new GuestAgent(record.domid, this.store, this.hypervisor, this.clock, pvDrivers);
    this.records.set(record.domid, record);
    this.io.addDomain(record.domid, record.config);
    for (const device of devices) {
      addDevice(this.store, device);
      record.devices.push(device);
    }
  }

  /** Host-dependent checks a dry run cannot make: name free, HVM support, workload, CPU demand, cpus. */
  validateForHost(config: DomainConfig, name: string, configSource?: string): void {
    checkNameFree(this.records.values(), name);
    this.admit(config, name);
    if (config.type === "hvm" && !this.spec.hvmCapable) {
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `domain "${name}" is HVM but host ${this.spec.hostId} has no hardware virtualisation support (virt_caps lacks hvm)`,
      );
    }
    try {
      const workload = parseWorkloadSpec(config.xsim.workload ?? "idle");
      checkWorkloadFits(workload, mibToKib(config.maxmemMib), "xl.cfg xsim_workload");
    } catch (error) {
      throw toToolstackError(error);
    }
    checkCpuDemand(config.xsim.cpu);
    cpupoolForConfig(this, config.pool, configSource ?? `domain "${name}"`);
    // The host's CPU layout only for a config that pins (configAffinityPins reads it only then).
    if (config.cpus !== undefined || config.cpusSoft !== undefined)
      checkConfigAffinity(config, hostCpus(this.spec));
    validateIoConfig(config, name);
  }

  /**
   * A hot-plugged device (dom0/hotplug.ts checked it): the config gains it, then libxl's device_add
   * writes both halves and the drivers take it through the handshake (at once if the guest runs).
   */
  attachDevice(record: DomainRecord, device: SplitDevice, config: DomainConfig): void {
    record.config = config;
    this.io.setConfig(record.domid, config);
    record.devices.push(device);
    addDevice(this.store, device);
    record.guest?.say(`xsim-guest: ${device.kind} ${device.devid} hot-plugged`);
    this.emit("devices", record, { attached: `${device.kind}/${device.devid}` });
  }

  /**
   * libxl's device remove: asks the device to close (the guest's frontend answers if it runs with
   * PV drivers), removes both halves, and drops it from the config. Returns whether the guest let
   * it go; if not, it is removed anyway, as libxl does once its wait times out.
   */
  detachDevice(record: DomainRecord, device: SplitDevice, config: DomainConfig): boolean {
    const released = closeDevice(this.store, device);
    removeDevice(this.store, device);
    for (const backend of this.backends) backend.release(deviceBackendPath(device));
    record.devices.splice(record.devices.indexOf(device), 1);
    record.config = config;
    this.io.setConfig(record.domid, config);
    this.emit("devices", record, { detached: `${device.kind}/${device.devid}`, released });
    return released;
  }

  /** `xl cd-insert`/`cd-eject`: the drive's medium (backend `params`) changes; the drive stays. */
  changeMedium(record: DomainRecord, device: SplitDevice, config: DomainConfig): void {
    this.store.write(`${deviceBackendPath(device)}/params`, device.backendKeys["params"] ?? "");
    record.config = config;
    this.io.setConfig(record.domid, config);
    this.emit("devices", record, { media: `${device.kind}/${device.devid}` });
  }

  /** A DomU a user may change now: not Dom0, not being migrated. */
  requireDomUToChange(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    return record;
  }

  /** `xl destroy`: no questions asked. */
  destroy(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    this.teardown(record);
    this.emit("destroyed", record);
    return record;
  }

  private teardown(record: DomainRecord): void {
    record.guest?.stop();
    for (const device of record.devices) {
      removeDevice(this.store, device);
      for (const backend of this.backends) backend.release(deviceBackendPath(device));
    }
    removeDomainLayout(this.store, record);
    if (this.hypervisor.domain(record.domid)) this.hypervisor.destroyDomain(record.domid);
    if (this.records.get(record.domid) === record) {
      this.records.delete(record.domid);
      this.store.releaseDomain(record.domid);
      this.io.removeDomain(record.domid);
    }
    for (const resolve of this.shutdownWaiters.get(record.domid) ?? []) resolve();
    this.shutdownWaiters.delete(record.domid);
  }

  /** `xl shutdown [-w]`: asks the guest through control/shutdown; with wait, resolves once it is gone. */
  async shutdown(ref: string, wait: boolean): Promise<DomainRecord> {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    const gone = wait ? this.waitForShutdown(record.domid) : Promise.resolve();
    this.requestShutdown(record, "poweroff");
    await gone;
    return record;
  }

  /** `xl reboot`: the guest reboots; on_reboot decides what follows (restart by default). */
  reboot(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    this.requestShutdown(record, "reboot");
    return record;
  }

  /**
   * `xl suspend` (libxl_domain_suspend_only): asks the guest to suspend to RAM through
   * control/shutdown; resolves once the hypervisor reports the domain shut down with reason suspend.
   */
  async suspend(ref: string): Promise<DomainRecord> {
    const record = this.requireDomUToChange(ref);
    if (this.hypervisor.requireDomain(record.domid).paused)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `domain ${record.name} is paused: it cannot answer a suspend request`,
      );
    const suspended = this.waitForShutdown(record.domid);
    this.requestShutdown(record, "suspend");
    await suspended;
    return record;
  }

  /** `xl resume` (libxl_domain_resume, cancelled suspend): a suspended domain runs again. */
  resume(ref: string): DomainRecord {
    const record = this.requireDomUToChange(ref);
    if (this.hypervisor.requireDomain(record.domid).shutdownReason !== ShutdownReason.Suspend)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `domain ${record.name} is not suspended (see xl suspend)`,
      );
    this.admitUnpause(record);
    this.hypervisor.resumeDomain(record.domid);
    record.guest?.resumedFromSuspend();
    this.emit("resumed", record);
    return record;
  }

  private requestShutdown(record: DomainRecord, request: "poweroff" | "reboot" | "suspend"): void {
    const domain = this.hypervisor.requireDomain(record.domid);
    if (domain.isShutdown)
      throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is already shut down`);
    if (!record.guest?.isBooted) {
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `domain ${record.name} has not booted (created paused): its PV drivers cannot answer a ${request} request; use destroy`,
      );
    }
    this.store.write(controlShutdownPath(record.domid), request);
  }

  private waitForShutdown(domid: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.shutdownWaiters.get(domid) ?? [];
      list.push(resolve);
      this.shutdownWaiters.set(domid, list);
    });
  }

  pause(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    this.hypervisor.pauseDomain(record.domid);
    this.emit("paused", record);
    return record;
  }

  /** `xl unpause`, the user's verb: the host may refuse it (admitUnpause). */
  unpause(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    this.admitUnpause(record);
    return this.unpauseAndReport(record);
  }

  /**
   * Lets a paused domain run again for the toolstack's own reasons (a migration's handover, a
   * restore, `save -c`, the end of an HA hold): as `unpause`, without the host's say.
   */
  resumeDomain(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    return this.unpauseAndReport(record);
  }

  private unpauseAndReport(record: DomainRecord): DomainRecord {
    this.start(record);
    this.emit("unpaused", record);
    return record;
  }

  /** Lets the domain run; its guest boots on the first start. */
  private start(record: DomainRecord): void {
    this.hypervisor.unpauseDomain(record.domid);
    const booting = record.guest?.isBooted === false;
    record.guest?.boot();
    if (booting) record.guest?.say(`xsim-workload: ${record.config.xsim.workload ?? "idle"}`);
    record.guest?.resumed();
  }

  rename(ref: string, newName: string): DomainRecord {
    const record = this.requireDomain(ref);
    this.refuseIfMigrating(record);
    if (record.domid === DOMID_DOM0)
      throw new ToolstackError("FAILED_PRECONDITION", "Domain-0 cannot be renamed");
    if (newName === record.name) return record;
    checkDomainName(newName, "new name");
    checkNameFree(this.records.values(), newName);
    const oldName = record.name;
    record.name = newName;
    renameInLayout(this.store, record);
    this.emit("renamed", record, { oldName });
    return record;
  }

  /** `xl mem-set`: the balloon target, at most maxmem; the guest's balloon driver follows it. */
  memSet(ref: string, memoryKib: number): DomainRecord {
    checkMemoryKibArg(memoryKib, "mem-set: memory");
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    const domain = this.hypervisor.requireDomain(record.domid);
    if (memoryKib > domain.maxmemKib) {
      throw new ToolstackError(
        "INVALID_ARGUMENT",
        `memory ${memoryKib} KiB is above domain ${record.name}'s maxmem ${domain.maxmemKib} KiB (raise it with mem-max)`,
      );
    }
    if (memoryKib <= 0)
      throw new ToolstackError("INVALID_ARGUMENT", `memory target must be positive, not ${memoryKib} KiB`);
    const growKib = memoryKib - domain.memoryKib;
    const freeKib = this.hypervisor.frames.frameCountFreeNow * 4;
    if (growKib > freeKib) {
      throw new ToolstackError(
        "RESOURCE_EXHAUSTED",
        `growing ${record.name} by ${growKib} KiB needs more than the host's ${freeKib} KiB free`,
      );
    }
    if (record.guest?.isBooted) this.store.write(memoryTargetPath(record.domid), String(memoryKib));
    else {
      this.hypervisor.setDomainMemory(record.domid, memoryKib);
      this.store.write(memoryTargetPath(record.domid), String(memoryKib));
    }
    record.config = { ...record.config, memoryMib: memoryKib / 1024 };
    this.emit("memory", record);
    return record;
  }

  /** `xl mem-max`: the most the domain may hold; not below what it holds now. */
  memMax(ref: string, maxmemKib: number): DomainRecord {
    checkMemoryKibArg(maxmemKib, "mem-max: maxmem");
    const record = this.requireDomU(ref);
    this.refuseIfMigrating(record);
    const growKib = maxmemKib - this.hypervisor.requireDomain(record.domid).maxmemKib;
    if (growKib > 0) this.checkRealMemory(`mem-max of ${record.name}`, kibToByteCount(growKib));
    try {
      this.hypervisor.setMaxMem(record.domid, maxmemKib);
    } catch (error) {
      throw toToolstackError(error);
    }
    this.store.write(memoryStaticMaxPath(record.domid), String(maxmemKib));
    record.config = { ...record.config, maxmemMib: maxmemKib / 1024 };
    this.emit("memory", record);
    return record;
  }

  /** `xl vcpu-set`: n < 1 is ignored as xl does; above maxvcpus is refused. */
  vcpuSet(ref: string, vcpus: number): DomainRecord {
    const record = this.requireDomain(ref);
    if (vcpus < 1) return record;
    const domain = this.hypervisor.requireDomain(record.domid);
    if (vcpus > domain.maxvcpus) {
      throw new ToolstackError(
        "INVALID_ARGUMENT",
        `domain ${record.name} has maxvcpus ${domain.maxvcpus}: cannot bring ${vcpus} vCPUs online`,
      );
    }
    this.hypervisor.setVcpusOnline(record.domid, vcpus);
    record.config = { ...record.config, vcpus };
    for (let vcpu = 0; vcpu < domain.maxvcpus; vcpu++) {
      this.store.write(
        `/local/domain/${record.domid}/cpu/${vcpu}/availability`,
        vcpu < vcpus ? "online" : "offline",
      );
    }
    this.emit("vcpus", record);
    return record;
  }

  injectCrash(ref: string): DomainRecord {
    const record = this.requireDomU(ref);
    this.hypervisor.shutdownDomain(record.domid, ShutdownReason.Crash);
    return record;
  }

  setWorkload(ref: string, workload: string): DomainRecord {
    const record = this.requireDomU(ref);
    try {
      const spec = parseWorkloadSpec(workload);
      const domain = this.hypervisor.requireDomain(record.domid);
      checkWorkloadFits(spec, domain.maxmemKib, "workload");
      domain.setWorkload(spec);
    } catch (error) {
      throw toToolstackError(error);
    }
    record.config = { ...record.config, xsim: { ...record.config.xsim, workload } };
    record.guest?.say(`xsim-workload: ${workload}`);
    this.emit("workload", record);
    return record;
  }

  /** Bytes of real memory the DomUs claim: each its maxmem (real-memory.ts). */
  realMemoryClaimedByteCount(): number {
    let byteCount = 0;
    for (const record of this.records.values()) {
      const domain = this.hypervisor.domain(record.domid);
      if (record.domid !== DOMID_DOM0 && domain) byteCount += kibToByteCount(domain.maxmemKib);
    }
    return byteCount;
  }

  private checkRealMemory(what: string, byteCountAdded: number): void {
    // Without a budget every claim fits: the guests' claims are not summed (a walk of every domain).
    if (this.realMemoryByteCountMax === Number.POSITIVE_INFINITY) return;
    checkRealMemoryClaim({
      what,
      byteCountAdded,
      byteCountClaimed: this.realMemoryClaimedByteCount(),
      byteCountMax: this.realMemoryByteCountMax,
    });
  }

  private refuseIfMigrating(record: DomainRecord): void {
    if (this.isMigrating(record.domid)) {
      throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is being migrated`);
    }
  }

  /** The migration's own renames (NAME--migratedaway and back), allowed while it runs. */
  renameForMigration(record: DomainRecord, newName: string): void {
    if (record.name === newName) return;
    checkNameFree(this.records.values(), newName);
    const oldName = record.name;
    record.name = newName;
    renameInLayout(this.store, record);
    this.emit("renamed", record, { oldName });
  }

  /**
   * HA's fence (docs/specs/ha.md §4 rule 3): the guest is destroyed, reported as `fenced`, not
   * `destroyed` (destroyed on purpose), so that the scheduler keeps its HA record and restarts it.
   */
  fence(record: DomainRecord): void {
    this.teardown(record);
    this.emit("fenced", record);
  }

  /**
   * The source's copy after the destination confirmed: gone, and the cluster told where it went
   * (`to`: its address; `toHostId`: its host id, when the destination said it), under the name the
   * guest runs under there (`name`), not NAME--migratedaway.
   */
  destroyMigratedAway(
    record: DomainRecord,
    destination: string,
    name = record.name,
    destinationHostId = "",
  ): void {
    this.teardown(record);
    const detail: Record<string, string> = { to: destination };
    if (destinationHostId) detail["toHostId"] = destinationHostId;
    this.emit("migrated-out", { ...record, name }, detail);
  }

  requireDomain(ref: string): DomainRecord {
    return resolveDomain(this.records, ref);
  }

  private requireDomU(ref: string): DomainRecord {
    const record = this.requireDomain(ref);
    if (record.domid === DOMID_DOM0)
      throw new ToolstackError("FAILED_PRECONDITION", "not permitted on Domain-0");
    return record;
  }

  domainOf(record: DomainRecord): Domain {
    return this.hypervisor.requireDomain(record.domid);
  }

  /** The hypervisor says a domain has shut down (VIRQ_DOM_EXC): run the configured action. */
  private onShutdown(domain: Domain): void {
    const record = this.records.get(domain.domid);
    if (!record) return;
    const reason = domain.shutdownReason ?? ShutdownReason.Poweroff;
    const action = actionFor(record.config, reason);
    this.emit(reason === ShutdownReason.Crash ? "crashed" : "shutdown", record, {
      reason: ShutdownReason[reason],
      action,
    });
    this.runAction(record, action);
  }

  private runAction(record: DomainRecord, action: LifecycleAction): void {
    switch (action) {
      case "preserve":
        for (const resolve of this.shutdownWaiters.get(record.domid) ?? []) resolve();
        this.shutdownWaiters.delete(record.domid);
        return;
      case "destroy":
      case "coredump-destroy":
        this.destroy(String(record.domid));
        return;
      case "rename-restart":
        this.rename(String(record.domid), `${record.name}-${record.domid}`);
        this.restartAs(record, record.config.name);
        return;
      case "restart":
      case "coredump-restart":
      case "soft-reset":
        this.destroy(String(record.domid));
        this.restartAs(record, record.name);
        return;
    }
  }

  private restartAs(record: DomainRecord, name: string): void {
    const keepUuid = !this.uuidInUse(record.uuid);
    const config = { ...record.config, name, ...(keepUuid ? { uuid: record.uuid } : { uuid: undefined }) };
    const restarted = this.create(config);
    this.emit("rebooted", restarted, { previousDomid: record.domid });
  }

  private uuidInUse(uuid: string): boolean {
    for (const record of this.records.values()) if (record.uuid === uuid) return true;
    return false;
  }

  emit(
    event: DomainEventKind,
    record: DomainRecord,
    detail?: Record<string, string | number | boolean>,
  ): void {
    const domain = this.hypervisor.domain(record.domid);
    const payload: DomainEvent = {
      hostId: this.spec.hostId,
      event,
      domid: record.domid,
      name: record.name,
      uuid: record.uuid,
      state: domain?.stateLetters() ?? "-----d",
      memoryKib: domain?.memoryKib ?? 0,
      vcpus: domain?.vcpusOnline ?? 0,
      timeMs: Math.round(this.clock.nowMs()),
      ...(detail ? { detail } : {}),
    };
    this.log(describeDomainEvent(payload));
    this.events.domainEvent(payload);
    this.onChange();
  }

  /** Whether the host has guest work to run: CPU, memory writes or I/O (else it need not tick). */
  get hasWork(): boolean {
    return this.hypervisor.hasWork || this.io.hasWork;
  }
}

/** xl.cfg `xsim_cpu`: refused with INVALID_ARGUMENT naming the key. */
function checkCpuDemand(text: string | undefined): void {
  if (text === undefined) return;
  try {
    parseCpuDemandSpec(text);
  } catch (error) {
    if (error instanceof CpuDemandSpecError)
      throw new ToolstackError("INVALID_ARGUMENT", `xl.cfg xsim_cpu: ${error.message}`);
    throw error;
  }
}

function actionFor(config: DomainConfig, reason: ShutdownReason): LifecycleAction {
  switch (reason) {
    case ShutdownReason.Reboot:
      return config.onReboot;
    case ShutdownReason.Crash:
      return config.onCrash;
    case ShutdownReason.Watchdog:
      return config.onWatchdog;
    case ShutdownReason.SoftReset:
      return config.onSoftReset;
    case ShutdownReason.Suspend:
      return "preserve";
    default:
      return config.onPoweroff;
  }
}

function dom0Record(uuid: string, dom0: Dom0Spec): DomainRecord {
  const config: DomainConfig = {
    name: DOM0_NAME,
    uuid,
    type: "pv",
    memoryMib: dom0.memoryMib,
    maxmemMib: dom0.memoryMib,
    vcpus: dom0.vcpus,
    maxvcpus: dom0.vcpus,
    cpuWeight: 256,
    cap: 0,
    onPoweroff: "destroy",
    onReboot: "restart",
    onWatchdog: "destroy",
    onCrash: "destroy",
    onSoftReset: "soft-reset",
    nomigrate: true,
    disks: [],
    vifs: [],
    xsim: {},
    other: {},
  };
  return { domid: DOMID_DOM0, name: DOM0_NAME, uuid, config, devices: [], guest: undefined };
}
