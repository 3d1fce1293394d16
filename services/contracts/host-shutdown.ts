import { SUBJECT_PREFIX } from "./subjects.js";

/**
 * A host's orderly shutdown, as xendomains does it at system shutdown (XENDOMAINS_MIGRATE,
 * XENDOMAINS_SAVE, XENDOMAINS_RESTORE), spoken over NATS (docs/specs/nats-subjects.md, "Host
 * shutdown"): the host asks the scheduler to move its guests, saves those still on it, restores
 * them when it starts again, and reports every guest's fate.
 */

/** Host -> scheduler: "I am shutting down: move these guests away" (ShutdownRequest). */
export function shutdownRequestSubject(hostId: string): string {
  return `${SUBJECT_PREFIX}.host.${hostId}.shutdown.request`;
}
export const ALL_SHUTDOWN_REQUESTS = `${SUBJECT_PREFIX}.host.*.shutdown.request`;

/** Scheduler -> host: the evacuation's progress, one event per guest and a final one (ShutdownProgress). */
export function shutdownProgressSubject(hostId: string): string {
  return `${SUBJECT_PREFIX}.host.${hostId}.shutdown.progress`;
}

/** Host -> anyone: what became of each guest at shutdown or start-up (GuestFate). */
export function guestFateSubject(hostId: string): string {
  return `${SUBJECT_PREFIX}.host.${hostId}.guest-fate`;
}

/** The most a host spends shutting down, from SIGTERM to exit (xendomains' XENDOMAINS_STOP_MAXWAIT). */
export const SHUTDOWN_TIME_MS_MAX = 90_000;
/** How long a host waits for a scheduler to take its shutdown request before saving everything. */
export const SCHEDULER_ANSWER_MS_MAX = 2_000;
/** The part of SHUTDOWN_TIME_MS_MAX kept for saving what could not be moved. */
export const SHUTDOWN_SAVE_RESERVE_MS = 30_000;
/** A launcher waits this long for a host it sent SIGTERM to before it kills it. */
export const SHUTDOWN_GRACE_MS = SHUTDOWN_TIME_MS_MAX + 5_000;

export interface ShutdownRequest {
  hostId: string;
  /** Tells the answers to this request from those to an earlier one. */
  requestId: string;
  /** Guests to move, by uuid (names may change; a uuid names one guest in the cluster). */
  guests: Array<{ name: string; uuid: string }>;
  /** How long the scheduler has before the host saves what is left. */
  migrateTimeMsMax: number;
}

export interface ShutdownProgress {
  requestId: string;
  /** accepted (the scheduler took the request), migrated, failed (one guest), done (final). */
  kind: "accepted" | "migrated" | "failed" | "done";
  domain: string;
  toHost: string;
  message: string;
}

export interface GuestFate {
  hostId: string;
  phase: "shutdown" | "startup";
  domain: string;
  uuid: string;
  fate: "migrated" | "saved" | "restored" | "destroyed" | "failed";
  /** The destination host, the save file, or why it failed. */
  detail: string;
}

/** One line per guest, as the host prints it on stderr. */
export function formatGuestFate(fate: GuestFate): string {
  const what = {
    migrated: `migrated to ${fate.detail}`,
    saved: `saved to ${fate.detail}`,
    restored: `restored from ${fate.detail}`,
    destroyed: `destroyed (${fate.detail})`,
    failed: `failed: ${fate.detail}`,
  }[fate.fate];
  return `${fate.phase}: ${fate.domain} ${what}`;
}
