import { DOMID_MAX } from "../core/units.js";
import { XenStoreError } from "./errors.js";

/** Throws EINVAL unless `domid` is an ordinary domid, 0..DOMID_MAX (xen/include/public/xen.h). */
export function validateDomid(domid: number, what: string): void {
  if (!isValidDomid(domid)) {
    throw new XenStoreError("EINVAL", `${what}: domid ${domid} is not an integer in 0..${DOMID_MAX}`);
  }
}

/** Whether `domid` is an ordinary domid (validateDomid without the message, for hot paths). */
export function isValidDomid(domid: number): boolean {
  return Number.isInteger(domid) && domid >= 0 && domid <= DOMID_MAX;
}
