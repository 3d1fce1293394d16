import { validateDomid } from "./domid.js";
import { XenStoreError } from "./errors.js";
import { isUuidText } from "../core/uuid-text.js";

/** Re-exported so the layout and the handshake states come from one import. */
export { XenbusState, parseXenbusState, xenbusStateName } from "./xenbus-state.js";

/** Split-driver device kinds the simulator models: network (netif.h) and block (blkif.h). */
export type DeviceKind = "vif" | "vbd";

/** `/local/domain/$DOMID`, the domain's home, `~` in docs/misc/xenstore-paths.pandoc. */
export function domainPath(domid: number): string {
  validateDomid(domid, "domain path");
  return `/local/domain/${domid}`;
}

/** `/vm/$UUID`: per-VM data (uuid, name, image/*) that outlives a domid. */
export function vmPath(uuid: string): string {
  if (!isUuidText(uuid)) throw new XenStoreError("EINVAL", `vm path: ${JSON.stringify(uuid)} is not a UUID`);
  return `/vm/${uuid}`;
}

/** `/vm/UUID/start_time`: when libxl built the domain ("%lu.%02d" seconds); `xl uptime` reads it. */
export function startTimePath(uuid: string): string {
  return `${vmPath(uuid)}/start_time`;
}

/** `~/name`: the domain's name. */
export function domainNamePath(domid: number): string {
  return `${domainPath(domid)}/name`;
}

/** `~/memory/target`: the balloon target in KiB, written by `xl mem-set`, read by the guest. */
export function memoryTargetPath(domid: number): string {
  return `${domainPath(domid)}/memory/target`;
}

/** `~/memory/static-max`: the most memory the domain may ever have, in KiB. */
export function memoryStaticMaxPath(domid: number): string {
  return `${domainPath(domid)}/memory/static-max`;
}

/** `~/control/shutdown`: `poweroff|reboot|suspend` from the toolstack; the guest acks with "". */
export function controlShutdownPath(domid: number): string {
  return `${domainPath(domid)}/control/shutdown`;
}

/** `~/device/$KIND/$DEVID`: the frontend's directory, owned by the guest. */
export function frontendPath(domid: number, kind: DeviceKind, devid: number): string {
  validateDevid(devid);
  return `${domainPath(domid)}/device/${kind}/${devid}`;
}

/** `~/backend/$KIND/$FRONTDOMID/$DEVID` under the backend domain's home (usually Dom0's). */
export function backendPath(
  backendDomid: number,
  kind: DeviceKind,
  frontDomid: number,
  devid: number,
): string {
  validateDomid(frontDomid, "backend path");
  validateDevid(devid);
  return `${domainPath(backendDomid)}/backend/${kind}/${frontDomid}/${devid}`;
}

function validateDevid(devid: number): void {
  if (!Number.isSafeInteger(devid) || devid < 0) {
    throw new XenStoreError("EINVAL", `device path: devid ${devid} is not a non-negative integer`);
  }
}
