import { XenError } from "./errors.js";
import { DOMID_MAX } from "./units.js";

/**
 * Hands out domids as Xen does with xl.conf domid_policy="xen": one after another from 1, wrapping
 * after DOMID_MAX (0x7FEF), never an id that is alive.
 */
export class DomidAllocator {
  private domidNext = 1;

  allocate(isAlive: (domid: number) => boolean): number {
    for (let tries = 0; tries < DOMID_MAX; tries++) {
      const domid = this.domidNext;
      this.domidNext = domid >= DOMID_MAX ? 1 : domid + 1;
      if (!isAlive(domid)) return domid;
    }
    throw new XenError("ENOSPC", `no free domid: all ${DOMID_MAX} ordinary domids are in use`);
  }

  /** After a restore that keeps its domid, the next id continues after it. */
  skipPast(domid: number): void {
    if (domid >= this.domidNext) this.domidNext = domid >= DOMID_MAX ? 1 : domid + 1;
  }
}
