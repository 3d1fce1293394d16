import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import type { GuestFate } from "../contracts/host-shutdown.js";
import { shutdownHost, type HostShutdownDeps, type ShutdownGuest } from "./shutdown.js";
import type { EvacuationOutcome } from "./shutdown-request.js";

const A = { domid: 1, name: "a", uuid: "uuid-a" };
const B = { domid: 2, name: "b", uuid: "uuid-b" };

/** A host with guests A and B whose scheduler moves what `migrated` names. */
function rig(options: {
  migrated?: Record<string, string>;
  answered?: boolean;
  saveFails?: boolean;
  stateDir?: string;
  stopped?: string;
}) {
  const here = new Map<number, ShutdownGuest>([
    [A.domid, A],
    [B.domid, B],
  ]);
  const reported: GuestFate[] = [];
  const saved: string[] = [];
  const deps: HostShutdownDeps = {
    hostId: "h1",
    clock: new SimulatedClock(),
    guests: () => [...here.values()],
    isMigrating: () => false,
    evacuate: () => {
      const outcome: EvacuationOutcome = {
        answered: options.answered ?? true,
        migrated: new Map(),
        failed: new Map(),
        stopped: options.stopped ?? "",
      };
      for (const [name, to] of Object.entries(options.migrated ?? {})) {
        outcome.migrated.set(name, to);
        for (const [domid, guest] of here) if (guest.name === name) here.delete(domid);
      }
      return Promise.resolve(outcome);
    },
    save: (guest, path) => {
      if (options.saveFails) return Promise.reject(new Error("disk full"));
      here.delete(guest.domid);
      saved.push(path);
      return Promise.resolve(path);
    },
    destroy: (guest) => here.delete(guest.domid),
    stateDir: "stateDir" in options ? options.stateDir : "/state",
    report: (fate) => reported.push(fate),
    newRequestId: () => "r1",
  };
  return { deps, here, reported, saved };
}

const fates = (list: GuestFate[]) => list.map((f) => `${f.domain} ${f.fate} ${f.detail}`);

describe("host shutdown as xendomains does it", () => {
  it("reports guests the scheduler moved and saves the rest", async () => {
    const { deps, here, reported } = rig({ migrated: { a: "h2" } });
    const result = await shutdownHost(deps);
    expect(fates(result)).toEqual(["a migrated h2", "b saved /state/b.xsim"]);
    expect(reported).toEqual(result);
    expect(here.size).toBe(0);
  });

  it("saves everything when no scheduler answers", async () => {
    const { deps, saved } = rig({ answered: false });
    expect(fates(await shutdownHost(deps))).toEqual(["a saved /state/a.xsim", "b saved /state/b.xsim"]);
    expect(saved).toEqual(["/state/a.xsim", "/state/b.xsim"]);
  });

  it("without a state directory destroys them, and says so", async () => {
    const { deps, here } = rig({ answered: false, stateDir: undefined });
    const result = await shutdownHost(deps);
    expect(result.map((f) => f.fate)).toEqual(["destroyed", "destroyed"]);
    expect(result[0]?.detail).toContain("no state directory");
    expect(here.size).toBe(0);
  });

  it("a guest left because the evacuation stopped early says why the scheduler stopped", async () => {
    const stopped = "the evacuation of h1 stopped: leader lease lost; before that it disabled h1";
    const { deps } = rig({ migrated: { a: "h2" }, stopped, stateDir: undefined });
    expect(fates(await shutdownHost(deps))).toEqual([
      "a migrated h2",
      `b destroyed not moved: ${stopped}, and no state directory to save it to`,
    ]);
  });

  it("a save that fails is reported as failed with why", async () => {
    const { deps } = rig({ saveFails: true });
    const result = await shutdownHost(deps);
    expect(result.map((f) => f.fate)).toEqual(["failed", "failed"]);
    expect(result[0]?.detail).toBe("could not save it to /state/a.xsim: disk full");
  });

  it("does nothing on a host without guests", async () => {
    const { deps, here } = rig({});
    here.clear();
    expect(await shutdownHost(deps)).toEqual([]);
  });
});
