import type { DomainIoTables } from "../../core/io/io-tables.js";
import type { GrantRef } from "../../core/io/grant-table.js";
import type { DeviceKind } from "../devices/split-device.js";

/** The ring pages a frontend granted and the event channel it offered, to give back on close. */
export interface FrontendRings {
  refs: GrantRef[];
  port: number;
}

/** The xenstore keys a frontend writes when it goes to Initialised, and what it set up for them. */
export interface FrontendSetup {
  rings: FrontendRings;
  keys: Record<string, string>;
}

/** The keys each kind's frontend writes for its ring pages, in grant order (netif.h, blkif.h). */
const RING_REF_KEYS: Record<DeviceKind, readonly string[]> = {
  vif: ["tx-ring-ref", "rx-ring-ref"],
  vbd: ["ring-ref"],
};

/** Keys the Linux frontends write besides the rings: netfront's rx-copy mode, blkfront's ABI. */
const EXTRA_KEYS: Record<DeviceKind, Readonly<Record<string, string>>> = {
  vif: { "request-rx-copy": "1", "feature-rx-notify": "1" },
  vbd: { protocol: "x86_64-abi" },
};

export function ringRefKeys(kind: DeviceKind): readonly string[] {
  return RING_REF_KEYS[kind];
}

/**
 * A frontend connecting (xenbus state 2 -> 3): it grants its ring page(s) to the backend domain and
 * allocates an unbound event channel for it. Undefined, with nothing left granted, when the grant
 * table or the ports are full (the driver fails with -ENOSPC).
 */
export function setupFrontendRings(
  io: DomainIoTables,
  domid: number,
  backendDomid: number,
  kind: DeviceKind,
  ringPfns: readonly number[],
): FrontendSetup | undefined {
  const grants = io.grantTable(domid);
  const refs: GrantRef[] = [];
  for (const pfn of ringPfns.slice(0, RING_REF_KEYS[kind].length)) {
    const ref = grants.grantAccess(backendDomid, pfn, false);
    if (ref === undefined) break;
    refs.push(ref);
  }
  const port =
    refs.length === RING_REF_KEYS[kind].length
      ? io.eventChannels(domid).allocUnbound(backendDomid)
      : undefined;
  if (port === undefined) {
    for (const ref of refs) grants.endAccess(ref);
    return undefined;
  }
  const keys: Record<string, string> = { ...EXTRA_KEYS[kind], "event-channel": String(port) };
  RING_REF_KEYS[kind].forEach((key, index) => (keys[key] = String(refs[index])));
  return { rings: { refs, port }, keys };
}

/** The frontend closed: it ends access to pages the backend no longer maps and closes its port. */
export function releaseFrontendRings(io: DomainIoTables, domid: number, rings: FrontendRings): void {
  const grants = io.grantTable(domid);
  for (const ref of rings.refs) grants.endAccess(ref);
  io.eventChannels(domid).close(rings.port);
}
