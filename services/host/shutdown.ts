import { join } from "node:path";
import type { Clock } from "../core/clock.js";
import {
  SHUTDOWN_SAVE_RESERVE_MS,
  SHUTDOWN_TIME_MS_MAX,
  type GuestFate,
  type ShutdownRequest,
} from "../contracts/host-shutdown.js";
import type { EvacuationOutcome } from "./shutdown-request.js";

/** A DomU as the shutdown sees it. */
export interface ShutdownGuest {
  domid: number;
  name: string;
  uuid: string;
}

/** How often the shutdown looks again at guests a migration still holds. */
export const SHUTDOWN_POLL_MS = 100;
/** The file a guest is saved to in the state directory (xendomains names it after the domain). */
export const SAVE_FILE_SUFFIX = ".xsim";

/** What the host shutdown needs from the host, so that it runs on any wiring (real or simulated). */
export interface HostShutdownDeps {
  hostId: string;
  clock: Clock;
  /** The DomUs on the host now. */
  guests(): ShutdownGuest[];
  isMigrating(domid: number): boolean;
  /** Asks the scheduler to move the guests away; absent when the host has no bus. */
  evacuate?: (request: ShutdownRequest) => Promise<EvacuationOutcome>;
  /** `xl save` of the guest to `path` (or beside it); the guest is gone afterwards. Answers the file written. */
  save(guest: ShutdownGuest, path: string): Promise<string>;
  destroy(guest: ShutdownGuest): void;
  /** Where guests are saved; undefined: they are destroyed instead (reported, never silent). */
  stateDir: string | undefined;
  report(fate: GuestFate): void;
  newRequestId(): string;
}

/**
 * xendomains stop: migrate what the scheduler can place, save the rest under the state directory,
 * report every guest's fate. Bounded by SHUTDOWN_TIME_MS_MAX in all; resolves with the fates.
 */
export async function shutdownHost(deps: HostShutdownDeps): Promise<GuestFate[]> {
  const startMs = deps.clock.nowMs();
  const before = deps.guests();
  if (before.length === 0) return [];
  const fates: GuestFate[] = [];
  const fate = (guest: ShutdownGuest, kind: GuestFate["fate"], detail: string) => {
    const entry: GuestFate = {
      hostId: deps.hostId,
      phase: "shutdown",
      domain: guest.name,
      uuid: guest.uuid,
      fate: kind,
      detail,
    };
    fates.push(entry);
    deps.report(entry);
  };
  const outcome = await askScheduler(deps, before);
  await waitForMigrations(deps, startMs + SHUTDOWN_TIME_MS_MAX - SHUTDOWN_SAVE_RESERVE_MS);
  const left = new Set(deps.guests().map((g) => g.uuid));
  for (const guest of before) {
    if (left.has(guest.uuid)) continue;
    const to = outcome?.migrated.get(guest.name);
    fate(guest, to === undefined ? "destroyed" : "migrated", to ?? "it left the host during shutdown");
  }
  for (const guest of deps.guests()) await keepOrDrop(deps, guest, outcome, fate);
  return fates;
}

async function askScheduler(
  deps: HostShutdownDeps,
  guests: ShutdownGuest[],
): Promise<EvacuationOutcome | undefined> {
  if (!deps.evacuate) return undefined;
  return deps.evacuate({
    hostId: deps.hostId,
    requestId: deps.newRequestId(),
    guests: guests.map(({ name, uuid }) => ({ name, uuid })),
    migrateTimeMsMax: SHUTDOWN_TIME_MS_MAX - SHUTDOWN_SAVE_RESERVE_MS,
  });
}

/** A migration that still runs owns its guest (migration-protocol.md): wait for it, up to `untilMs`. */
async function waitForMigrations(deps: HostShutdownDeps, untilMs: number): Promise<void> {
  while (deps.guests().some((g) => deps.isMigrating(g.domid)) && deps.clock.nowMs() < untilMs)
    await new Promise<void>((resolve) => deps.clock.setTimer(SHUTDOWN_POLL_MS, resolve));
}

async function keepOrDrop(
  deps: HostShutdownDeps,
  guest: ShutdownGuest,
  outcome: EvacuationOutcome | undefined,
  fate: (guest: ShutdownGuest, kind: GuestFate["fate"], detail: string) => void,
): Promise<void> {
  const why =
    outcome === undefined
      ? "no scheduler"
      : !outcome.answered
        ? "no scheduler answered"
        : (outcome.failed.get(guest.name) ??
          (outcome.stopped === "" ? "not moved in time" : `not moved: ${outcome.stopped}`));
  if (deps.stateDir === undefined) {
    deps.destroy(guest);
    fate(guest, "destroyed", `${why}, and no state directory to save it to`);
    return;
  }
  const path = join(deps.stateDir, `${guest.name}${SAVE_FILE_SUFFIX}`);
  try {
    fate(guest, "saved", await deps.save(guest, path));
  } catch (error) {
    fate(
      guest,
      "failed",
      `could not save it to ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
