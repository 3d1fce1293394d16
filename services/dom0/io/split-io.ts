import type { Hypervisor } from "../../core/hypervisor.js";
import { formatCpuDemandSpec } from "../../core/sched/demand/index.js";
import { DOMID_DOM0 } from "../../core/units.js";
import type { XenStore } from "../../xenstore/store.js";
import type { BackendConnector } from "../devices/backend-driver.js";
import type { DeviceKind } from "../devices/split-device.js";
import { vbdDevid } from "../devices/vdev.js";
import type { DomainConfig } from "../xlcfg/domain-config.js";
import { type BackendRings, connectBackendRings, disconnectBackendRings } from "./backend-rings.js";
import { deviceProfile } from "./device-profile.js";
import {
  DOM0_IO_DEMAND_HEADROOM,
  dom0DemandLevel,
  dom0DemandPeriodNs,
  dom0DemandSpec,
} from "./dom0-demand.js";
import { IO_COSTS_DEFAULT, type IoCosts, type IoMode, assertIoCosts } from "./io-costs.js";
import { IoDevice, type IoDeviceStats, type PvPlumbing } from "./io-device.js";
import { type IoSpec, parseIoSpec } from "./io-spec.js";
import { type RingInStep, runIoTick } from "./io-step.js";

/** A PV guest always has PV drivers; an HVM guest only with `xsim_pv_drivers = 1` (see README). */
export function usesPvDrivers(config: DomainConfig): boolean {
  return config.type !== "hvm" || config.xsim.pvDrivers === true;
}

interface IoDomain {
  domid: number;
  config: DomainConfig;
  spec: IoSpec;
  mode: IoMode;
  /** By `kind/devid`. */
  devices: Map<string, IoDevice>;
}

/** How long a tick is taken to be before the first one has run (a host service ticks every 10 ms). */
const EXPECTED_TICK_NS = 10_000_000;
/** `.../backend/$KIND/$FRONTDOMID/$DEVID` under Dom0's home. */
const BACKEND_PATH_PATTERN = /^\/local\/domain\/0\/backend\/(vif|vbd)\/(\d+)\/(\d+)$/;

/**
 * The host's split-driver I/O (netback, blkback and QEMU's emulated devices in Dom0): the devices
 * of every domain, run each hypervisor tick with the CPU Dom0 got, and Dom0's CPU demand set to what
 * the backends will need next, so guest I/O shows up as Dom0 CPU time.
 */
export class SplitIo implements BackendConnector {
  private readonly domains = new Map<number, IoDomain>();
  private readonly connected = new Map<string, { domain: IoDomain; key: string; rings: BackendRings }>();
  private costsNow: IoCosts = { ...IO_COSTS_DEFAULT };
  private rings: Array<RingInStep & { domid: number }> | undefined;
  private readonly liveRings: RingInStep[] = [];
  private timeNs = 0;
  private demandLevel = 0;
  private demandPeriodNs = 0;
  /** The last tick's length: the next is expected to be as long. */
  private lastElapsedNs = EXPECTED_TICK_NS;
  /** Dom0 CPU the backends used, since boot. */
  dom0CpuNsUsed = 0;
  /** How often Dom0's CPU demand was changed, since boot. */
  demandChangeCount = 0;

  constructor(
    private readonly hypervisor: Hypervisor,
    private readonly store: XenStore,
  ) {
    hypervisor.onTick((elapsedNs, shares) => this.tick(elapsedNs, shares.get(DOMID_DOM0)?.cpuNs ?? 0));
  }

  /** Whether the backends have work: a running guest with an I/O load, or requests still on a ring. */
  get hasWork(): boolean {
    if (this.liveRings.length > 0 || this.demandLevel > 0) return true;
    for (const domain of this.domains.values()) {
      if (!domain.spec.net && !domain.spec.disk) continue;
      if (this.hypervisor.domain(domain.domid)?.isRunnable) return true;
    }
    return false;
  }

  get costs(): Readonly<IoCosts> {
    return this.costsNow;
  }

  /** Devices built from now on cost this (the ones in place keep their costs). */
  setCosts(costs: Partial<IoCosts>): void {
    const merged = { ...this.costsNow, ...costs };
    assertIoCosts(merged);
    this.costsNow = merged;
  }

  /** A domain is built: QEMU's emulated devices exist from the start; PV ones come with the handshake. */
  addDomain(domid: number, config: DomainConfig): void {
    const domain: IoDomain = {
      domid,
      config,
      spec: parseIoSpec(config.xsim.io ?? "none"),
      mode: usesPvDrivers(config) ? "pv" : "emulated",
      devices: new Map(),
    };
    this.domains.set(domid, domain);
    if (domain.mode === "pv") return;
    for (const [kind, devid] of deviceIds(config)) this.addDevice(domain, kind, devid, undefined);
  }

  /**
   * A device was hot-plugged or removed (dom0/hotplug.ts): devices connecting from now on take their
   * load from `config`; a device no longer in it stops (its rings are unmapped by the backend).
   */
  setConfig(domid: number, config: DomainConfig): void {
    const domain = this.domains.get(domid);
    if (!domain) return;
    domain.config = config;
    for (const [key, device] of domain.devices) {
      const [kind, devid] = key.split("/") as [DeviceKind, string];
      if (deviceProfile(config, domain.spec, kind, Number(devid))) continue;
      device.dispose();
      domain.devices.delete(key);
    }
    this.rings = undefined;
  }

  removeDomain(domid: number): void {
    const domain = this.domains.get(domid);
    if (!domain) return;
    for (const [be, link] of this.connected) if (link.domain === domain) this.disconnect(be);
    for (const device of domain.devices.values()) device.dispose();
    this.domains.delete(domid);
    this.rings = undefined;
  }

  /** BackendConnector: the frontend is Initialised; map its rings, or say why not. */
  connect(be: string, fe: string, kind: DeviceKind): string | undefined {
    const match = BACKEND_PATH_PATTERN.exec(be);
    const domain = match ? this.domains.get(Number(match[2])) : undefined;
    if (!match || !domain || domain.mode !== "pv") return undefined;
    const devid = Number(match[3]);
    let rings: BackendRings;
    try {
      rings = connectBackendRings(this.hypervisor.io, this.store, fe, kind, domain.domid);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    const frontChannels = this.hypervisor.io.eventChannels(domain.domid);
    const backChannels = this.hypervisor.io.eventChannels(DOMID_DOM0);
    const key = this.addDevice(domain, kind, devid, {
      grants: rings.grants,
      notifyBackend: () => frontChannels.send(rings.frontPort),
      notifyFrontend: () => backChannels.send(rings.backendPort),
    });
    this.connected.set(be, { domain, key, rings });
    // The backend thread wakes on the frontend's first notification: Dom0 asks for CPU from now on.
    this.setDom0Demand(this.ringsInStep(), this.lastElapsedNs);
    return undefined;
  }

  /** BackendConnector: the device closes; its counters go with it (a reconnect starts from zero). */
  disconnect(be: string): void {
    const link = this.connected.get(be);
    if (!link) return;
    this.connected.delete(be);
    link.domain.devices.get(link.key)?.dispose();
    link.domain.devices.delete(link.key);
    disconnectBackendRings(this.hypervisor.io, link.rings);
    this.rings = undefined;
  }

  deviceStats(domid: number, kind: DeviceKind, devid: number): IoDeviceStats | undefined {
    return this.domains.get(domid)?.devices.get(`${kind}/${devid}`)?.stats();
  }

  modeOf(domid: number): IoMode | undefined {
    return this.domains.get(domid)?.mode;
  }

  private addDevice(domain: IoDomain, kind: DeviceKind, devid: number, pv: PvPlumbing | undefined): string {
    const profile = deviceProfile(domain.config, domain.spec, kind, devid);
    if (!profile)
      throw new Error(`assertion failed: domain ${domain.domid} has no ${kind} ${devid} in its config`);
    const key = `${kind}/${devid}`;
    domain.devices.get(key)?.dispose();
    domain.devices.set(key, new IoDevice(profile, domain.mode, this.costsNow, pv));
    this.rings = undefined;
    return key;
  }

  /** One hypervisor tick: the guests' requests meet the backends, which have `dom0CpuNs` to spend. */
  tick(elapsedNs: number, dom0CpuNs: number): void {
    const rings = this.ringsInStep();
    if (rings.length > 0) this.dom0CpuNsUsed += runIoTick(rings, this.timeNs, elapsedNs, dom0CpuNs);
    this.timeNs += elapsedNs;
    this.lastElapsedNs = elapsedNs;
    this.setDom0Demand(rings, elapsedNs);
  }

  /** The rings with something to do this tick: a running guest issuing requests, or requests queued. */
  private ringsInStep(): RingInStep[] {
    if (!this.rings) {
      this.rings = [];
      for (const domain of this.domains.values())
        for (const device of domain.devices.values())
          for (const ring of device.rings) this.rings.push({ ring, producing: false, domid: domain.domid });
    }
    const live = this.liveRings;
    live.length = 0;
    let domid = -1;
    let running = false;
    for (const entry of this.rings) {
      if (entry.domid !== domid) {
        domid = entry.domid;
        running = this.hypervisor.domain(domid)?.isRunnable ?? false;
      }
      entry.producing = running && entry.ring.isProducing;
      if (entry.producing || entry.ring.hasWork || entry.ring.backlogCount > 0) live.push(entry);
    }
    return live;
  }

  /** Dom0's vCPUs ask for what the rings will need over a tick like this one, with headroom. */
  private setDom0Demand(rings: readonly RingInStep[], elapsedNs: number): void {
    let needNs = 0;
    let fillNsMin = Infinity;
    for (const { ring, producing } of rings) {
      needNs += ring.workNs;
      if (!producing) continue;
      needNs += ring.arrivalWorkNs(elapsedNs);
      fillNsMin = Math.min(fillNsMin, ring.fillTimeNs);
    }
    const vcpuCount = this.hypervisor.domain(DOMID_DOM0)?.vcpusOnline ?? 1;
    const level = dom0DemandLevel((needNs * DOM0_IO_DEMAND_HEADROOM) / (Math.max(elapsedNs, 1) * vcpuCount));
    const periodNs = dom0DemandPeriodNs(level, fillNsMin);
    if (level === this.demandLevel && periodNs === this.demandPeriodNs) return;
    this.demandLevel = level;
    this.demandPeriodNs = periodNs;
    this.demandChangeCount++;
    this.hypervisor.setCpuDemand(DOMID_DOM0, formatCpuDemandSpec(dom0DemandSpec(level, periodNs)));
  }
}

function deviceIds(config: DomainConfig): Array<[DeviceKind, number]> {
  const ids: Array<[DeviceKind, number]> = config.vifs.map((vif) => ["vif", vif.devid]);
  for (const disk of config.disks) {
    const devid = vbdDevid(disk.vdev);
    if (devid !== undefined) ids.push(["vbd", devid]);
  }
  return ids;
}
