import type { XenStore } from "../../xenstore/store.js";
import type { XenStorePerms } from "../../xenstore/perms.js";
import { XenbusState, backendPath, domainPath, frontendPath } from "../../xenstore/paths.js";
import { parentPath } from "../../xenstore/path.js";
import { DOMID_DOM0 } from "../../core/units.js";

export type DeviceKind = "vif" | "vbd";

/** One split-driver device: a frontend in the DomU and a backend (netback/blkback) in Dom0. */
export interface SplitDevice {
  kind: DeviceKind;
  frontDomid: number;
  devid: number;
  /** Backend keys besides the handshake ones (mac, bridge, params, mode, ...). */
  backendKeys: Record<string, string>;
  frontendKeys: Record<string, string>;
}

export function deviceFrontendPath(device: SplitDevice): string {
  return frontendPath(device.frontDomid, device.kind, device.devid);
}

export function deviceBackendPath(device: SplitDevice): string {
  return backendPath(DOMID_DOM0, device.kind, device.frontDomid, device.devid);
}

/** libxl's device_add: writes both halves in Initialising; the drivers take it from there. */
export function addDevice(store: XenStore, device: SplitDevice): void {
  const fe = deviceFrontendPath(device);
  const be = deviceBackendPath(device);
  store.transaction((tx) => {
    for (const [key, value] of Object.entries(device.backendKeys)) tx.write(`${be}/${key}`, value);
    tx.write(`${be}/frontend`, fe);
    tx.write(`${be}/frontend-id`, String(device.frontDomid));
    tx.write(`${be}/online`, "1");
    tx.write(`${be}/state`, String(XenbusState.Initialising));
    // libxl__device_generic_add gives the frontend dir *and its keys* to the guest, Dom0 may read;
    // Dom0's writes below inherit these perms, so the guest can write its own state.
    tx.mkdir(fe);
    tx.setPerms(fe, frontendPerms(device.frontDomid));
    for (const [key, value] of Object.entries(device.frontendKeys)) tx.write(`${fe}/${key}`, value);
    tx.write(`${fe}/backend`, be);
    tx.write(`${fe}/backend-id`, String(DOMID_DOM0));
    tx.write(`${fe}/state`, String(XenbusState.Initialising));
  });
}

function frontendPerms(frontDomid: number): XenStorePerms {
  return [
    { domid: frontDomid, perm: "n" },
    { domid: DOMID_DOM0, perm: "r" },
  ];
}

/**
 * libxl__initiate_device_generic_remove: `online` 0 and `state` Closing on the backend, in one
 * transaction; the drivers answer at once (watches run before the write returns). True when the
 * backend reached Closed, i.e. the guest's frontend let the device go.
 */
export function closeDevice(store: XenStore, device: SplitDevice): boolean {
  const be = deviceBackendPath(device);
  if (!store.exists(be)) return false;
  store.transaction((tx) => {
    tx.write(`${be}/online`, "0");
    tx.write(`${be}/state`, String(XenbusState.Closing));
  });
  return readState(store, be) === XenbusState.Closed;
}

/** libxl's device_remove: asks the backend to close, then removes both halves. */
export function removeDevice(store: XenStore, device: SplitDevice): void {
  const be = deviceBackendPath(device);
  if (store.exists(be) && readState(store, be) !== XenbusState.Closed)
    store.write(`${be}/state`, String(XenbusState.Closing));
  removeWithEmptyParents(store, be, domainPath(DOMID_DOM0));
  removeWithEmptyParents(store, deviceFrontendPath(device), domainPath(device.frontDomid));
}

/** libxl__xs_path_cleanup: removes `path`, then each parent left empty, stopping at `home`. */
function removeWithEmptyParents(store: XenStore, path: string, home: string): void {
  if (store.exists(path)) store.rm(path);
  for (let dir = parentPath(path); dir !== home && dir.startsWith(`${home}/`); dir = parentPath(dir)) {
    if (!store.exists(dir) || store.directory(dir).length > 0) return;
    store.rm(dir);
  }
}

export function readState(store: XenStore, path: string): XenbusState {
  const text = store.read(`${path}/state`);
  return text === undefined ? XenbusState.Unknown : (Number(text) as XenbusState);
}
