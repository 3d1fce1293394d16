import type { XenStore } from "../../xenstore/store.js";
import { XenbusState } from "../../xenstore/paths.js";
import type { DeviceKind } from "./split-device.js";

/**
 * What maps a device's rings when it connects (the data path; see dom0/io): `connect` returns why
 * the frontend's rings cannot be used, or undefined once they are mapped.
 */
export interface BackendConnector {
  connect(be: string, fe: string, kind: DeviceKind): string | undefined;
  disconnect(be: string): void;
}

/**
 * A backend driver in Dom0 (netback for vif, blkback for vbd), driven by xenstore as the real ones
 * are: it answers a new device with InitWait (hotplug done), connects when the frontend says
 * Initialised, and closes when the frontend closes. When libxl removes a device (backend Closing),
 * it waits for the frontend to close, then says Closed (6), which is what libxl waits for.
 */
export class BackendDriver {
  private readonly watchedFrontends = new Map<string, string>(); // frontend path -> backend path
  private readonly frontendOf = new Map<string, string>(); // backend path -> frontend path
  private readonly token: string;
  /** `.../backend/$KIND/$FRONTDOMID/$DEVID/state`; group 1 is the device's backend directory. */
  private readonly statePathPattern: RegExp;
  stateTransitionCount = 0;

  constructor(
    private readonly store: XenStore,
    readonly kind: DeviceKind,
    private readonly connector?: BackendConnector,
  ) {
    this.token = `backend-${kind}`;
    this.statePathPattern = new RegExp(`^(/local/domain/0/backend/${kind}/\\d+/\\d+)/state$`);
    store.watch(`/local/domain/0/backend/${kind}`, this.token, (path) => this.onBackendChange(path));
  }

  private onBackendChange(path: string): void {
    if (!path.endsWith("/state")) return; // most changes here are other backend keys
    const match = this.statePathPattern.exec(path);
    if (!match) return;
    const be = match[1]!;
    const state = this.readState(be);
    if (state === XenbusState.Initialising) {
      this.setState(be, XenbusState.InitWait);
      const fe = this.store.read(`${be}/frontend`);
      if (fe !== undefined && !this.watchedFrontends.has(fe)) {
        this.watchedFrontends.set(fe, be);
        this.frontendOf.set(be, fe);
        this.store.watch(`${fe}/state`, `${this.token}:${fe}`, () => this.onFrontendChange(fe));
      }
    } else if (state === XenbusState.Closing) {
      // libxl asked the device to go (online=0, state=Closing). Close at once when no frontend is
      // left to answer; otherwise wait for the frontend to say Closed (onFrontendChange).
      const fe = this.store.read(`${be}/frontend`);
      const frontState = fe === undefined ? XenbusState.Unknown : this.readState(fe);
      if (frontState === XenbusState.Closed || frontState === XenbusState.Unknown) this.close(be);
    }
  }

  private onFrontendChange(fe: string): void {
    const be = this.watchedFrontends.get(fe);
    if (be === undefined || !this.store.exists(be)) return;
    const frontState = this.readState(fe);
    const backState = this.readState(be);
    if (frontState === XenbusState.Initialised && backState === XenbusState.InitWait) {
      const problem = this.connector?.connect(be, fe, this.kind);
      // xenbus_dev_fatal: the reason goes to the backend's error node and the device stays down.
      if (problem !== undefined) this.store.write(`${be}/error`, problem);
      else this.setState(be, XenbusState.Connected);
    } else if (frontState === XenbusState.Closed && backState !== XenbusState.Closed) {
      if (backState === XenbusState.Closing) this.close(be);
      else {
        this.connector?.disconnect(be);
        this.setState(be, XenbusState.Closed);
      }
    }
  }

  /** The device is going: unmap, say Closed (what libxl waits for before removing it), stop watching. */
  private close(be: string): void {
    this.forget(be);
    this.setState(be, XenbusState.Closed);
  }

  /** Unmaps the device and drops its frontend watch; works after its nodes are gone too. */
  private forget(be: string): void {
    this.connector?.disconnect(be);
    const fe = this.frontendOf.get(be);
    if (fe === undefined) return;
    this.frontendOf.delete(be);
    this.watchedFrontends.delete(fe);
    this.store.unwatch(`${fe}/state`, `${this.token}:${fe}`);
  }

  /** Drops the frontend watch of a device that is being removed. */
  release(be: string): void {
    this.forget(be);
  }

  get deviceCount(): number {
    return this.watchedFrontends.size;
  }

  private readState(path: string): XenbusState {
    const text = this.store.read(`${path}/state`);
    return text === undefined ? XenbusState.Unknown : (Number(text) as XenbusState);
  }

  private setState(path: string, state: XenbusState): void {
    this.stateTransitionCount++;
    this.store.write(`${path}/state`, String(state));
  }
}
