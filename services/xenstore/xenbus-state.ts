import { XenStoreError } from "./errors.js";

/**
 * States of a split device's frontend and backend, written as decimal strings to their `state`
 * nodes (enum xenbus_state, xen/include/public/io/xenbus.h).
 */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  /** Backend: ready for the frontend's details (ring refs, event channel). */
  InitWait: 2,
  /** Frontend: has published its details. */
  Initialised: 3,
  Connected: 4,
  /** The device is being shut down. */
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusState = (typeof XenbusState)[keyof typeof XenbusState];

const stateNames = Object.keys(XenbusState) as (keyof typeof XenbusState)[];

export function xenbusStateName(state: XenbusState): keyof typeof XenbusState {
  const name = stateNames[state];
  if (name === undefined) throw new Error(`xenbus: no state ${String(state)}`);
  return name;
}

/** Parses a `state` node's value. A missing node reads as Unknown, as xenbus_read_driver_state does. */
export function parseXenbusState(value: string | undefined, path: string): XenbusState {
  if (value === undefined) return XenbusState.Unknown;
  const state = Number(value);
  if (!/^\d+$/.test(value) || stateNames[state] === undefined) {
    throw new XenStoreError("EINVAL", `${path}: ${JSON.stringify(value)} is not a XenbusState (0..8)`);
  }
  return state as XenbusState;
}
