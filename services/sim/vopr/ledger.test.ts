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
