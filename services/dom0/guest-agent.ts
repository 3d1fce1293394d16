import type { Clock } from "../core/clock.js";
import type { Hypervisor } from "../core/hypervisor.js";
import { ShutdownReason } from "../core/domain-state.js";
import type { XenStore } from "../xenstore/store.js";
import type { Watch } from "../xenstore/watches.js";
import { controlShutdownPath, domainPath, memoryTargetPath } from "../xenstore/paths.js";
import { FrontendDriver } from "./devices/frontend-driver.js";
import { ConsoleRing } from "../core/console-ring.js";
import { GUEST_CONSOLE_LINE_COUNT_MAX } from "./host-log.js";

const FRONTEND_KINDS = ["vif", "vbd"] as const;

/** How long the simulated guest takes from seeing control/shutdown to calling SCHEDOP_shutdown. */
export const GUEST_SHUTDOWN_DELAY_MS = 20;

const REASON_BY_REQUEST: Record<string, ShutdownReason> = {
  poweroff: ShutdownReason.Poweroff,
  halt: ShutdownReason.Poweroff,
  reboot: ShutdownReason.Reboot,
  suspend: ShutdownReason.Suspend,
};

/** One of the guest's watches; `registration` once the store has taken it. */
interface GuestWatch {
  readonly path: string;
  readonly token: string;
  registration: Watch | undefined;
}

/** The guest's own xenstore paths, made once at boot: its watches' callbacks read them at each event. */
interface GuestPaths {
  readonly controlShutdown: string;
  readonly memoryTarget: string;
  /** `device/$KIND` of each FRONTEND_KINDS, in its order. */
  readonly deviceKindBases: readonly string[];
}

/**
 * The PV drivers of a simulated guest kernel: xenbus frontends (devices/frontend-driver.ts), the
 * balloon driver and the control/shutdown watch. They act only while the domain runs, as a real guest would.
 */
export class GuestAgent {
  private readonly watches: GuestWatch[] = [];
  /** Frontend path -> its watch on the backend's state. */
  private readonly frontends = new Map<string, GuestWatch>();
  private pendingShutdown: ShutdownReason | undefined;
  private cancelShutdownTimer: (() => void) | undefined;
  private booted = false;
  private paths: GuestPaths | undefined;
  private readonly frontendDriver: FrontendDriver;
  /** The guest's console (`xl console`): its boot lines and what its workload reports. */
  readonly console = new ConsoleRing(GUEST_CONSOLE_LINE_COUNT_MAX, "");
  /** The guest kernel's time origin: console lines count seconds from its creation, as printk does. */
  private readonly startMs: number;

  /** `pvDrivers`: false for an HVM guest without PV drivers, whose devices QEMU emulates instead. */
  constructor(
    readonly domid: number,
    private readonly store: XenStore,
    private readonly hypervisor: Hypervisor,
    private readonly clock: Clock,
    readonly pvDrivers = true,
  ) {
    this.frontendDriver = new FrontendDriver(domid, store, hypervisor);
    this.startMs = clock.nowMs();
  }

  /** A line on the guest's console. */
  say(message: string): void {
    this.console.append((this.clock.nowMs() - this.startMs) / 1000, message);
  }

  /** `xl resume` cancelled a suspend: the guest runs on, and may be asked to shut down again. */
  resumedFromSuspend(): void {
    this.pendingShutdown = undefined;
    this.say("xsim-guest: suspend cancelled, resumed (SCHEDOP_shutdown returned 1)");
  }

  /** The guest kernel boots (first unpause): its drivers register their watches. */
  boot(): void {
    if (this.booted) return;
    this.booted = true;
    const domain = this.hypervisor.domain(this.domid);
    this.say(
      `xsim-guest: kernel started: ${domain?.type ?? "?"} domain ${this.domid}, ${domain?.vcpusOnline ?? 0} vCPUs, ${Math.round((domain?.memoryKib ?? 0) / 1024)} MiB`,
    );
    this.say(
      this.pvDrivers
        ? "xsim-guest: PV drivers: xenbus, xen-netfront, xen-blkfront, xen-balloon"
        : "xsim-guest: no PV drivers: devices are QEMU's emulated NIC and disk",
    );
    const home = domainPath(this.domid);
    const paths: GuestPaths = {
      controlShutdown: controlShutdownPath(this.domid),
      memoryTarget: memoryTargetPath(this.domid),
      deviceKindBases: FRONTEND_KINDS.map((kind) => `${home}/device/${kind}`),
    };
    this.paths = paths;
    this.watch(paths.controlShutdown, () => this.onShutdownRequest());
    this.watch(paths.memoryTarget, () => this.onMemoryTarget());
    // xenbus_probe_frontend watches "device": devices there at boot and hot-plugged ones alike.
    if (this.pvDrivers) this.watch(`${home}/device`, () => this.probeDevices());
  }

  /** The paths boot made; the watches that read them are registered only after. */
  private bootedPaths(): GuestPaths {
    if (this.paths === undefined) throw new Error(`guest ${this.domid}: a watch fired before boot`);
    return this.paths;
  }

  /** Frontends for devices that appeared under `device/`, and forgets the ones removed. */
  private probeDevices(): void {
    const present = new Set<string>();
    for (const base of this.bootedPaths().deviceKindBases) {
      for (const devid of this.store.exists(base) ? this.store.directory(base) : [])
        present.add(`${base}/${devid}`);
    }
    for (const [fe, watch] of this.frontends) {
      if (present.has(fe)) continue;
      this.frontends.delete(fe);
      this.unwatch(watch);
    }
    for (const fe of present) this.connectFrontend(fe);
  }

  get isBooted(): boolean {
    return this.booted;
  }

  /** Called when the domain resumes: a shutdown the guest agreed to while paused goes ahead now. */
  resumed(): void {
    if (this.pendingShutdown !== undefined && this.cancelShutdownTimer === undefined) this.scheduleShutdown();
  }

  stop(): void {
    this.cancelShutdownTimer?.();
    this.cancelShutdownTimer = undefined;
    for (const watch of this.watches) this.removeFromStore(watch);
    this.watches.length = 0;
  }

  private watch(path: string, onChange: () => void): GuestWatch {
    const watch: GuestWatch = { path, token: `guest-${this.domid}:${path}`, registration: undefined };
    this.watches.push(watch);
    watch.registration = this.store.watch(path, watch.token, onChange);
    return watch;
  }

  /** The store's unwatch of `watch` (its registration's, found without a lookup, when it has one). */
  private removeFromStore(watch: GuestWatch): void {
    if (watch.registration !== undefined) this.store.unwatchRegistration(watch.registration);
    else this.store.unwatch(watch.path, watch.token);
  }

  private onShutdownRequest(): void {
    const { controlShutdown } = this.bootedPaths();
    const request = this.store.read(controlShutdown);
    if (!request) return;
    const reason = REASON_BY_REQUEST[request];
    this.store.write(controlShutdown, "", this.domid); // the guest acknowledges
    this.say(`xsim-guest: control/shutdown "${request}"${reason === undefined ? ": ignored" : ""}`);
    if (reason === undefined || this.pendingShutdown !== undefined) return;
    this.pendingShutdown = reason;
    this.scheduleShutdown();
  }

  private scheduleShutdown(): void {
    this.cancelShutdownTimer = this.clock.setTimer(GUEST_SHUTDOWN_DELAY_MS, () => {
      this.cancelShutdownTimer = undefined;
      const domain = this.hypervisor.domain(this.domid);
      if (!domain || this.pendingShutdown === undefined) return;
      if (domain.paused) return; // resumed() picks it up again
      this.hypervisor.shutdownDomain(this.domid, this.pendingShutdown);
    });
  }

  private onMemoryTarget(): void {
    const targetKib = Number(this.store.read(this.bootedPaths().memoryTarget));
    const domain = this.hypervisor.domain(this.domid);
    if (!domain || !Number.isFinite(targetKib) || targetKib === domain.memoryKib) return;
    this.hypervisor.setDomainMemory(this.domid, targetKib);
  }

  private connectFrontend(fe: string): void {
    if (this.frontends.has(fe)) return;
    const be = this.store.read(`${fe}/backend`);
    if (be === undefined) return; // libxl writes the frontend in one transaction: not there yet
    this.frontends.set(
      fe,
      this.watch(`${be}/state`, () => this.frontendDriver.onBackendState(fe, be)),
    );
  }

  private unwatch(watch: GuestWatch): void {
    this.removeFromStore(watch);
    const index = this.watches.indexOf(watch);
    if (index >= 0) this.watches.splice(index, 1);
  }
}
