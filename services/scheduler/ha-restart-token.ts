import type { Statefile } from "../contracts/statefile.js";

/** Prefix of the restart tokens: `harestart.<uuid>.<epoch>` (docs/specs/ha.md §5). */
export const RESTART_TOKEN_PREFIX = "harestart.";

/** Key of the token that lets one scheduler restart one guest of one lost lease (docs/specs/ha.md §5). */
export function restartTokenKey(uuid: string, epoch: string): string {
  return `${RESTART_TOKEN_PREFIX}${uuid}.${epoch}`;
}

/**
 * - `claimed`: a scheduler took it and is restarting the guest (or died doing so: a later round,
 *   of any scheduler, takes it over when the guest runs nowhere);
 * - `created`: the guest was created on `targetHostId`;
 * - `given-up`: a best-effort guest found no room (XAPI tries best-effort once).
 */
export type RestartTokenState = "claimed" | "created" | "given-up";

export interface RestartToken {
  /** The host whose lease was lost. */
  from: string;
  uuid: string;
  /** The scheduler (one process: its id changes at each start) that last took the token. */
  owner: string;
  state: RestartTokenState;
  targetHostId?: string;
  /** How many times a scheduler took it (1 the first time). */
  attemptCount: number;
}

export function parseRestartToken(text: string): RestartToken | undefined {
  try {
    const value = JSON.parse(text) as Partial<RestartToken>;
    if (typeof value.from !== "string" || typeof value.uuid !== "string") return undefined;
    const state = value.state === "created" || value.state === "given-up" ? value.state : "claimed";
    return {
      from: value.from,
      uuid: value.uuid,
      owner: typeof value.owner === "string" ? value.owner : "",
      state,
      ...(typeof value.targetHostId === "string" ? { targetHostId: value.targetHostId } : {}),
      attemptCount: typeof value.attemptCount === "number" ? value.attemptCount : 1,
    };
  } catch {
    return undefined;
  }
}

/** A token this scheduler holds, at the revision it wrote. */
export interface HeldToken {
  key: string;
  token: RestartToken;
  revision: number;
}

/**
 * Takes the restart token of (uuid, lost lease) for `owner`: creates it, or takes over one left
 * `claimed` by a scheduler that did not finish (its guest runs nowhere, which the caller checked),
 * with compare-and-set so that of two schedulers only one holds it. Undefined: not ours to act on
 * (another scheduler took it first, or the restart already happened or was given up).
 */
export async function takeRestartToken(
  statefile: Statefile,
  lost: { hostId: string; epoch: string },
  uuid: string,
  owner: string,
): Promise<HeldToken | undefined> {
  const key = restartTokenKey(uuid, lost.epoch);
  const fresh: RestartToken = { from: lost.hostId, uuid, owner, state: "claimed", attemptCount: 1 };
  const created = await statefile.create(key, JSON.stringify(fresh));
  if (created !== undefined) return { key, token: fresh, revision: created };
  const entry = await statefile.read(key);
  const found = entry ? parseRestartToken(entry.value) : undefined;
  if (!entry || !found || found.state !== "claimed") return undefined;
  const taken: RestartToken = { ...found, owner, attemptCount: found.attemptCount + 1 };
  const revision = await statefile.update(key, JSON.stringify(taken), entry.revision);
  return revision === undefined ? undefined : { key, token: taken, revision };
}

/** Records how the attempt ended (compare-and-set: a scheduler that took it over since wins). */
export async function settleRestartToken(
  statefile: Statefile,
  held: HeldToken,
  outcome: { state: "created"; targetHostId: string } | { state: "given-up" } | { state: "retry" },
): Promise<void> {
  if (outcome.state === "retry") {
    // A protected guest that found no room: the next round takes the token afresh.
    const entry = await statefile.read(held.key);
    if (entry?.revision === held.revision) await statefile.remove(held.key);
    return;
  }
  const token: RestartToken = { ...held.token, ...outcome };
  await statefile.update(held.key, JSON.stringify(token), held.revision);
}
