import { describe, expect, it } from "vitest";
import {
  checkDeclaredDead,
  checkDestroyedStayDestroyed,
  checkNamesUnique,
  checkNeverTwice,
  checkRestartsPerLoss,
  DoomedCopies,
  formatHaSummary,
  summarizeHa,
} from "./checkers.js";
import { Ledger } from "./ledger.js";
import type { DomainCopy } from "./world.js";

const DB = "00000000-0000-4000-8000-0000000000db";

/** A ledger in which the user created db (HA) on h1 at 1 s. */
function ledgerWithDb(): Ledger {
  const ledger = new Ledger();
  const entry = ledger.add("db", true);
  entry.status = "created";
  entry.uuid = DB;
  ledger.ha.noteCreated(DB, "db", "h1", 1000);
  return ledger;
}

function copy(hostId: string, overrides: Partial<DomainCopy> = {}): DomainCopy {
  return {
    hostId,
    domid: 1,
    name: "db",
    uuid: DB,
    paused: false,
    isPrimary: true,
    isProtected: true,
    isDoomed: false,
    leaseEpoch: "e1",
    checksum: () => "0",
    ...overrides,
  };
}

describe("the VOPR's per-loss check: an HA guest whose host died is restarted once", () => {
  it("holds for one loss and one restart after it", () => {
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "killed", [{ uuid: DB, name: "db" }]);
    expect(ledger.ha.noteCreated(DB, "db", "h2", 9000)).toBe(true);
    expect(checkRestartsPerLoss(ledger, [copy("h2")], true)).toEqual([]);
  });

  it("counts a fence while only a migration's stand-in lived elsewhere, and that stand-in's loss, as one loss", () => {
    // VOPR seed 524 x 400: h1 fenced db while db--incoming waited on h4; h4 was killed with it.
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "fenced", [{ uuid: DB, name: "db", standInElsewhere: true }]);
    ledger.ha.noteLoss("h4", 7000, "killed", [{ uuid: DB, name: "db" }]);
    expect(ledger.ha.lossCount(DB)).toBe(1);
    expect(checkRestartsPerLoss(ledger, [], true)).toHaveLength(1);
    ledger.ha.noteCreated(DB, "db", "h2", 9000);
    expect(checkRestartsPerLoss(ledger, [copy("h2")], true)).toEqual([]);
    ledger.ha.noteCreated(DB, "db", "h3", 9500);
    expect(checkRestartsPerLoss(ledger, [copy("h3")], false), "a second restart").toHaveLength(1);
  });

  it("counts a loss after a restart as a new loss, even after a fence with a stand-in elsewhere", () => {
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "fenced", [{ uuid: DB, name: "db", standInElsewhere: true }]);
    ledger.ha.noteCreated(DB, "db", "h2", 6000);
    ledger.ha.noteLoss("h2", 7000, "killed", [{ uuid: DB, name: "db" }]);
    expect(ledger.ha.lossCount(DB)).toBe(2);
    expect(checkRestartsPerLoss(ledger, [], true)).toHaveLength(1);
    ledger.ha.noteCreated(DB, "db", "h3", 9000);
    expect(checkRestartsPerLoss(ledger, [copy("h3")], true)).toEqual([]);
  });

  it("owes one restart for a guest whose last copy, a migration's stand-in, ended; no host loss in the summary", () => {
    // VOPR seed 129 x 800: h2 fenced db--migratedaway while h1 held db--incoming, then h1 dropped it.
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5500, "dropped", [{ uuid: DB, name: "db" }]);
    expect(checkRestartsPerLoss(ledger, [], true)).toEqual([
      "db restarted 0 time(s) for 1 loss(es) of its host: dropped on h1 at 5.500 s",
    ]);
    ledger.ha.noteCreated(DB, "db", "h4", 9000);
    expect(checkRestartsPerLoss(ledger, [copy("h4")], true)).toEqual([]);
    expect(summarizeHa(ledger).hostLossCount).toBe(0);
  });

  it("counts a stand-in's end after its guest's loss, with no restart between, as that same loss", () => {
    // VOPR seed 1230 x 400: h1 killed running cache; h2, stalled, made cache--incoming from h1's
    // Prepare after that and dropped it 4 s later.
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "killed", [{ uuid: DB, name: "db" }]);
    ledger.ha.noteLoss("h2", 9000, "dropped", [{ uuid: DB, name: "db" }]);
    expect(ledger.ha.lossCount(DB)).toBe(1);
    ledger.ha.noteCreated(DB, "db", "h3", 9500);
    expect(checkRestartsPerLoss(ledger, [copy("h3")], true)).toEqual([]);
    ledger.ha.noteLoss("h3", 12_000, "dropped", [{ uuid: DB, name: "db" }]);
    expect(ledger.ha.lossCount(DB), "a stand-in's end after the restart is a new loss").toBe(2);
  });

  it("fails a second restart for one loss", () => {
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "killed", [{ uuid: DB, name: "db" }]);
    ledger.ha.noteCreated(DB, "db", "h2", 9000);
    ledger.ha.noteCreated(DB, "db", "h3", 9500);
    expect(checkRestartsPerLoss(ledger, [copy("h3")], false)).toEqual([
      "db restarted 2 time(s) for 1 loss(es) of its host: killed on h1 at 5.000 s, restarted on h2 at 9.000 s, restarted on h3 at 9.500 s",
    ]);
  });

  it("fails a restart of a guest no host lost (its old copy may still run)", () => {
    const ledger = ledgerWithDb();
    ledger.ha.noteCreated(DB, "db", "h2", 9000);
    expect(checkRestartsPerLoss(ledger, [copy("h1"), copy("h2")], false)).toHaveLength(1);
  });

  it("owes one restart per loss once recovery is due, not before, and not for a guest the user destroyed", () => {
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "fenced", [{ uuid: DB, name: "db" }]);
    expect(checkRestartsPerLoss(ledger, [], false)).toEqual([]);
    expect(checkRestartsPerLoss(ledger, [], true)).toEqual([
      "db restarted 0 time(s) for 1 loss(es) of its host: fenced on h1 at 5.000 s",
    ]);
    ledger.entries[0]!.status = "destroyed";
    expect(checkRestartsPerLoss(ledger, [], true)).toEqual([]);
  });

  it("lets a doomed copy count as lost before its fence: restarted once, never twice", () => {
    // h1 held db (paused) and its lease was revoked: HA restarted db on h2 before h1 fenced it.
    const ledger = ledgerWithDb();
    ledger.ha.noteCreated(DB, "db", "h2", 9000);
    const doomed = copy("h1", { paused: true, isDoomed: true });
    expect(checkRestartsPerLoss(ledger, [doomed, copy("h2")], false)).toEqual([]);
    expect(checkNeverTwice([doomed, copy("h2")])).toEqual([]);
    expect(checkNeverTwice([copy("h1", { paused: true }), copy("h2")]), "paused, not doomed").toHaveLength(1);
    ledger.ha.noteCreated(DB, "db", "h3", 9500);
    expect(checkRestartsPerLoss(ledger, [doomed, copy("h3")], false)).toHaveLength(1);
    ledger.ha.noteLoss("h1", 10_000, "fenced", [{ uuid: DB, name: "db" }]);
    expect(checkRestartsPerLoss(ledger, [copy("h3")], true)).toHaveLength(1);
  });

  it("counts host losses, lost guests and restarts for the report", () => {
    const ledger = ledgerWithDb();
    ledger.ha.noteLoss("h1", 5000, "killed", [{ uuid: DB, name: "db" }]);
    ledger.ha.noteLoss("h2", 6000, "killed", []);
    ledger.ha.noteLoss("h3", 7000, "fenced", [{ uuid: "u-web", name: "web" }]);
    ledger.ha.noteLoss("h3", 7000, "fenced", [{ uuid: "u-ci", name: "ci" }]);
    ledger.ha.noteCreated(DB, "db", "h4", 9000);
    expect(formatHaSummary(summarizeHa(ledger))).toBe(
      "HA: 3 host losses (2 killed, 1 fenced) took 3 protected guests; 1 restarts; exactly one restart for each of the 1 losses of guests the user still has",
    );
  });
});

describe("the VOPR's doomed-copy check: a paused copy on a host whose lease was revoked never runs again", () => {
  it("fails a copy seen doomed that runs later under the same lease epoch", () => {
    const watch = new DoomedCopies();
    expect(watch.check([copy("h3", { paused: true, isDoomed: true })], 517_764)).toEqual([]);
    expect(watch.check([copy("h3", { paused: true, isDoomed: true })], 518_000)).toEqual([]);
    expect(watch.check([copy("h3")], 520_500)).toEqual([
      "db@h3#1 runs again: it was doomed there (paused, or its host stalled, with its host's lease revoked) at 517.764 s",
    ]);
  });

  it("lets the host's next epoch (after its fence or a restart) and other copies run", () => {
    const watch = new DoomedCopies();
    watch.check([copy("h3", { paused: true, isDoomed: true })], 1000);
    expect(watch.check([copy("h3", { leaseEpoch: "e1.1" })], 2000), "a new epoch").toEqual([]);
    expect(watch.check([copy("h3", { domid: 2 })], 2000), "another domain").toEqual([]);
    expect(watch.check([copy("h1")], 2000), "another host").toEqual([]);
  });

  it("holds an unpaused copy frozen in a stall that began before the revocation (VOPR seed 38): doomed while the stall lasts, never seen running after it", () => {
    // h4 stalled with db running; its lease was revoked meanwhile and HA restarted db on h1.
    const frozen = copy("h4", { isDoomed: true });
    expect(checkNeverTwice([frozen, copy("h1")]), "frozen, not running").toEqual([]);
    expect(checkNeverTwice([copy("h4"), copy("h1")]), "unpaused on an awake host").toHaveLength(1);
    const watch = new DoomedCopies();
    expect(watch.check([frozen, copy("h1")], 1_196_836)).toEqual([]);
    expect(watch.check([frozen, copy("h1")], 1_198_000), "still stalled").toEqual([]);
    expect(watch.check([copy("h4", { paused: true, isDoomed: true })], 1_198_300), "woke: held").toEqual([]);
    expect(watch.check([copy("h4")], 1_199_000), "woke and ran it").toHaveLength(1);
  });

  it("does not hold a copy that was only paused, never doomed", () => {
    const watch = new DoomedCopies();
    watch.check([copy("h3", { paused: true })], 1000);
    expect(watch.check([copy("h3")], 2000)).toEqual([]);
  });
});

describe("the VOPR's destroyed-stays-destroyed check: a guest the user destroyed never runs again", () => {
  /** The user destroyed db (HA restarted it on h2 and the user destroyed that copy). */
  function ledgerWithDbDestroyed(): Ledger {
    const ledger = ledgerWithDb();
    ledger.byUuid(DB)!.status = "destroyed";
    return ledger;
  }

  it("leaves out a doomed copy on the old host, paused under its revoked lease, waiting for its fence (VOPR seed 550 x 800)", () => {
    // web, paused by the user on h4; h4 cut off, revoked, web restarted on h2 and destroyed there.
    const doomed = copy("h4", { paused: true, isDoomed: true });
    expect(checkDestroyedStayDestroyed(ledgerWithDbDestroyed(), [doomed])).toEqual([]);
  });

  it("fails a copy that may run: running, or paused on a host whose lease is live (a user may unpause it)", () => {
    const ledger = ledgerWithDbDestroyed();
    expect(checkDestroyedStayDestroyed(ledger, [copy("h4")])).toEqual([
      "db was destroyed but runs again: db@h4#1",
    ]);
    expect(checkDestroyedStayDestroyed(ledger, [copy("h4", { paused: true })])).toEqual([
      "db was destroyed but runs again: db@h4#1(p)",
    ]);
  });

  it("fails a doomed copy that runs again once its host is awake (no longer doomed): a real double run", () => {
    const ledger = ledgerWithDbDestroyed();
    const watch = new DoomedCopies();
    const doomed = copy("h4", { paused: true, isDoomed: true });
    expect([...watch.check([doomed], 2_654_869), ...checkDestroyedStayDestroyed(ledger, [doomed])]).toEqual(
      [],
    );
    const running = copy("h4");
    expect(checkDestroyedStayDestroyed(ledger, [running])).toHaveLength(1);
    expect(watch.check([running], 2_657_000)).toHaveLength(1);
  });

  it("lets the name be taken again while the doomed copy waits for its fence, not while it may run", () => {
    // Seed 550 x 800: web created again on h2 (a new uuid) 1 s before h4 fenced its doomed web.
    const again = copy("h2", { uuid: "00000000-0000-4000-8000-00000000aaaa" });
    expect(checkNamesUnique([copy("h4", { paused: true, isDoomed: true }), again])).toEqual([]);
    expect(checkNamesUnique([copy("h4", { paused: true }), again])).toHaveLength(1);
  });

  it("does not look at a guest the user still has", () => {
    expect(checkDestroyedStayDestroyed(ledgerWithDb(), [copy("h1")])).toEqual([]);
  });
});

describe("the VOPR's host-declare-dead check (docs/specs/ha.md §7): nothing of a declared-dead host runs afterwards", () => {
  /** db created on h1, h1 killed, then declared dead under epoch e1 and db told halted. */
  function declared(): Ledger {
    const ledger = ledgerWithDb();
    ledger.noteKilled([DB]);
    ledger.noteHalted("h1", "e1", ["db"], () => false);
    return ledger;
  }

  it("marks halted only the guests of that name a killed host ran that run nowhere, and frees the name", () => {
    const ledger = declared();
    expect(ledger.byUuid(DB)?.status).toBe("halted");
    expect(ledger.namesInUse().has("db")).toBe(false);
    const running = ledgerWithDb();
    running.noteKilled([DB]);
    running.noteHalted("h1", "e1", ["db"], () => true);
    expect(running.byUuid(DB)?.status, "it runs (HA restarted it): not halted").toBe("created");
  });

  it("holds while no copy of a halted guest runs, and nothing runs under the declared epoch", () => {
    expect(checkDeclaredDead(declared(), [copy("h1", { leaseEpoch: "e2", uuid: "other" })])).toEqual([]);
    expect(
      checkDeclaredDead(declared(), [copy("h2", { isDoomed: true })]),
      "a doomed copy never runs",
    ).toEqual([]);
  });

  it("fails a halted guest that runs again, and a copy under the declared epoch", () => {
    expect(checkDeclaredDead(declared(), [copy("h2")])).toEqual([
      expect.stringMatching(/^db was declared halted \(its host declared dead\) but runs again: /) as string,
    ]);
    const other = copy("h1", { uuid: "other", name: "web" });
    expect(checkDeclaredDead(declared(), [other])).toEqual([
      "web@h1#1 runs under lease epoch e1, which was declared dead",
    ]);
  });
});
