import { join } from "node:path";
import type { GuestFate } from "../contracts/host-shutdown.js";
import { SAVE_FILE_SUFFIX } from "./shutdown.js";

/** Saved guests a host restores at start, at most (a named bound on the loop). */
export const RESTORE_SAVED_COUNT_MAX = 1024;

export interface RestoreSavedDeps {
  hostId: string;
  stateDir: string;
  /** The names of the files in the state directory. */
  fileNames: readonly string[];
  /** `xl restore PATH`: the guest's name and uuid once it runs again. */
  restore(path: string): Promise<{ name: string; uuid: string }>;
  /** Removes a save file whose guest runs again. */
  remove(path: string): Promise<void>;
  report(fate: GuestFate): void;
}

/**
 * xendomains start (XENDOMAINS_RESTORE): every guest saved in the state directory at the last
 * shutdown runs again; its file is removed once it does. A file that does not restore stays where
 * it is, reported with why, so nothing is lost and the user can restore it by hand.
 */
export async function restoreSaved(deps: RestoreSavedDeps): Promise<GuestFate[]> {
  const fates: GuestFate[] = [];
  const files = deps.fileNames.filter((name) => name.endsWith(SAVE_FILE_SUFFIX)).sort();
  for (const fileName of files.slice(0, RESTORE_SAVED_COUNT_MAX)) {
    const path = join(deps.stateDir, fileName);
    const fallbackName = fileName.slice(0, -SAVE_FILE_SUFFIX.length);
    let fate: GuestFate;
    try {
      const guest = await deps.restore(path);
      await deps.remove(path);
      fate = { ...base(deps, guest.name, guest.uuid), fate: "restored", detail: path };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      fate = { ...base(deps, fallbackName, ""), fate: "failed", detail: `could not restore ${path}: ${why}` };
    }
    fates.push(fate);
    deps.report(fate);
  }
  return fates;
}

function base(deps: RestoreSavedDeps, domain: string, uuid: string): Omit<GuestFate, "fate" | "detail"> {
  return { hostId: deps.hostId, phase: "startup", domain, uuid };
}
