import type { DomainIoTables } from "../../core/io/io-tables.js";
import type { GrantRef, GrantTable } from "../../core/io/grant-table.js";
import { DOMID_DOM0 } from "../../core/units.js";
import type { XenStore } from "../../xenstore/store.js";
import type { DeviceKind } from "../devices/split-device.js";
import { ringRefKeys } from "./frontend-rings.js";

/** What a backend mapped from its frontend: the ring pages and its end of the event channel. */
export interface BackendRings {
  frontDomid: number;
  /** The frontend's grant table as it was mapped from (it goes with the domain). */
  grants: GrantTable;
  refs: GrantRef[];
  frontPort: number;
  backendPort: number;
}

/** The frontend's xenstore keys do not name rings the backend can use. */
export class RingSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RingSetupError";
  }
}

/**
 * A backend connecting (xenbus state 3 -> 4): reads the frontend's ring refs and event channel,
 * maps the ring pages from the frontend's grant table and binds the interdomain event channel.
 * Throws (GrantError, EventChannelError, RingSetupError) and leaves nothing mapped when it cannot.
 */
export function connectBackendRings(
  io: DomainIoTables,
  store: XenStore,
  fe: string,
  kind: DeviceKind,
  frontDomid: number,
): BackendRings {
  const refs = ringRefKeys(kind).map((key) => readNumber(store, fe, key));
  const frontPort = readNumber(store, fe, "event-channel");
  const grants = io.grantTable(frontDomid);
  const mapped: GrantRef[] = [];
  try {
    for (const ref of refs) {
      grants.map(ref, DOMID_DOM0, true);
      mapped.push(ref);
    }
    const backendPort = io.eventChannels(DOMID_DOM0).bindInterdomain(io.eventChannels(frontDomid), frontPort);
    return { frontDomid, grants, refs, frontPort, backendPort };
  } catch (error) {
    for (const ref of mapped) grants.unmap(ref);
    throw error;
  }
}

/** The backend closes: it unmaps the ring pages and closes its port (the frontend's becomes unbound). */
export function disconnectBackendRings(io: DomainIoTables, rings: BackendRings): void {
  for (const ref of rings.refs) rings.grants.unmap(ref);
  io.eventChannels(DOMID_DOM0).close(rings.backendPort);
}

function readNumber(store: XenStore, fe: string, key: string): number {
  const text = store.read(`${fe}/${key}`);
  const value = Number(text);
  if (text === undefined || text === "" || !Number.isInteger(value) || value < 0) {
    throw new RingSetupError(`${fe}/${key} is ${text === undefined ? "missing" : `"${text}"`}, not a number`);
  }
  return value;
}
