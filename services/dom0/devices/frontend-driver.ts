import type { Hypervisor } from "../../core/hypervisor.js";
import type { XenStore } from "../../xenstore/store.js";
import { XenbusState } from "../../xenstore/paths.js";
import { type FrontendRings, releaseFrontendRings, setupFrontendRings } from "../io/frontend-rings.js";
import type { DeviceKind } from "./split-device.js";

/** `~/device/$KIND/$DEVID`: group 1 is the kind. */
const FRONTEND_PATH_PATTERN = /\/device\/(vif|vbd)\/\d+$/;

/**
 * A guest's xenbus frontends (netfront, blkfront) answering their backends: on InitWait they grant
 * their ring pages, offer an event channel and say Initialised; on Connected they are up; on Closing
 * they close and give the pages back (xen/include/public/io/blkif.h "Startup").
 */
export class FrontendDriver {
  private readonly rings = new Map<string, FrontendRings>();
  private ringPageCount = 0;

  constructor(
    readonly domid: number,
    private readonly store: XenStore,
    private readonly hypervisor: Hypervisor,
  ) {}

  onBackendState(fe: string, be: string): void {
    const backState = Number(this.store.read(`${be}/state`));
    const frontState = Number(this.store.read(`${fe}/state`));
    if (backState === XenbusState.InitWait && frontState === XenbusState.Initialising) {
      this.initialise(fe);
    } else if (backState === XenbusState.Connected && frontState === XenbusState.Initialised) {
      this.store.write(`${fe}/state`, String(XenbusState.Connected), this.domid);
    } else if (backState === XenbusState.Closing && frontState !== XenbusState.Closed) {
      this.store.write(`${fe}/state`, String(XenbusState.Closed), this.domid);
      const rings = this.rings.get(fe);
      this.rings.delete(fe);
      if (rings && this.hypervisor.domain(this.domid))
        releaseFrontendRings(this.hypervisor.io, this.domid, rings);
    }
  }

  private initialise(fe: string): void {
    const kind = FRONTEND_PATH_PATTERN.exec(fe)?.[1] as DeviceKind | undefined;
    if (kind === undefined) return;
    const backendDomid = Number(this.store.read(`${fe}/backend-id`) ?? "0");
    const setup = setupFrontendRings(this.hypervisor.io, this.domid, backendDomid, kind, this.ringPfns());
    if (!setup) {
      // xenbus_dev_fatal(dev, -ENOSPC, "granting access to ring page"): the device stays down.
      this.store.write(
        `${fe}/error`,
        "granting access to ring page: no grant entry or port free",
        this.domid,
      );
      return;
    }
    this.rings.set(fe, setup.rings);
    this.store.transaction((tx) => {
      for (const [key, value] of Object.entries(setup.keys)) tx.write(`${fe}/${key}`, value);
      tx.write(`${fe}/state`, String(XenbusState.Initialised));
    }, this.domid);
  }

  /** Guest pages for the next ring pages: taken from the top of its memory, one per ring. */
  private ringPfns(): number[] {
    const pageCount = this.hypervisor.domain(this.domid)?.memory.pageCount ?? 1;
    return [0, 1].map(() => pageCount - 1 - (this.ringPageCount++ % pageCount));
  }
}
