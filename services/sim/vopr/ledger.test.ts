import { describe, expect, it } from "vitest";
import { Ledger } from "./ledger.js";

const WEB = "00000000-0000-4000-8000-000000000eb0";

describe("the VOPR's ledger: a non-HA guest is lost with the host killed with it", () => {
  it("marks a created non-HA guest lost when its host is killed", () => {
    const ledger = new Ledger();
    const entry = ledger.add("web", false);
    ledger.created(entry, WEB);
    ledger.noteKilled([WEB]);
    expect(entry.status).toBe("lost");
  });

  it("marks a create told after its host was killed (the answer was under way) lost", () => {
    const ledger = new Ledger();
    const entry = ledger.add("web", false);
    ledger.noteKilled([WEB]);
    ledger.created(entry, WEB);
    expect(entry.status).toBe("lost");
    expect(ledger.namesInUse().has("web")).toBe(false);
  });

  it("keeps an HA guest created: HA restarts it", () => {
    const ledger = new Ledger();
    const entry = ledger.add("web", true);
    ledger.noteKilled([WEB]);
    ledger.created(entry, WEB);
    expect(entry.status).toBe("created");
  });

  it("keeps a guest created whose host was not the one killed", () => {
    const ledger = new Ledger();
    const entry = ledger.add("web", false);
    ledger.noteKilled(["00000000-0000-4000-8000-000000000001"]);
    ledger.created(entry, WEB);
    expect(entry.status).toBe("created");
  });
});

describe("the VOPR's ledger: the administrator's verbs (docs/specs/ha.md §7, §8)", () => {
  it("a host declared dead is watched as disabled until the user's host-enable of it is sent", () => {
    const ledger = new Ledger();
    ledger.noteHalted("h3", "e3", [], () => false);
    expect(ledger.disabledAsDead.has("h3")).toBe(true);
    ledger.noteEnabling("h3");
    expect(ledger.disabledAsDead.has("h3")).toBe(false);
    ledger.noteHalted("h2", "e2", [], () => false, false);
    expect(ledger.disabledAsDead.has("h2"), "cut short before its disable").toBe(false);
  });

  it("a guest reset to halted is owed no run and frees its name, unless it runs now", () => {
    const ledger = new Ledger();
    const entry = ledger.add("web", true);
    ledger.created(entry, WEB);
    expect(ledger.noteReset(entry, () => true)).toBe(false);
    expect(entry.status).toBe("created");
    expect(ledger.noteReset(entry, () => false)).toBe(true);
    expect(entry.status).toBe("halted");
    expect(ledger.namesInUse().has("web")).toBe(false);
  });
});
