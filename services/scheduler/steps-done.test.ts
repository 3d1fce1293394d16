import { describe, expect, it } from "vitest";
import { isNothingChanged, ToolstackError } from "../dom0/errors.js";
import { CutShortError, isCutShort, stepReason, stepsDoneWords, subjectsOf } from "./steps-done.js";

describe("the steps a verb cut short had done", () => {
  it("are said one clause per action, in the order first taken", () => {
    const done = [
      { action: "disabled", subject: "h1" },
      { action: "migrated", subject: "web", to: "h2" },
      { action: "migrated", subject: "db", to: "h3" },
      { action: "revoked the HA lease of", subject: "h4", epoch: "e4.1" },
    ];
    expect(stepsDoneWords(done)).toBe(
      "disabled h1; migrated web to h2, db to h3; revoked the HA lease of h4 (epoch e4.1)",
    );
    expect(stepsDoneWords([])).toBe("");
    expect(subjectsOf(done, "migrated")).toEqual(["web", "db"]);
  });

  it("travel typed on a refusal that is never a 'nothing changed' one", () => {
    const error = new CutShortError("UNAVAILABLE", "cut", [{ action: "halted", subject: "db" }]);
    expect(error).toBeInstanceOf(ToolstackError);
    expect(isNothingChanged(error)).toBe(false);
    expect(isCutShort(error)).toBe(true);
    expect(isCutShort(new ToolstackError("UNAVAILABLE", "x"))).toBe(false);
  });

  it("drop a step's own 'nothing was changed', keeping what follows it", () => {
    expect(
      stepReason(
        "the cluster's state store cannot be reached (get: TIMEOUT); nothing was changed, try again",
      ),
    ).toBe("the cluster's state store cannot be reached (get: TIMEOUT)");
    expect(
      stepReason(
        "its HA lease was last renewed 7000 ms ago; nothing was changed, it stays on this host (it can move)",
      ),
    ).toBe("its HA lease was last renewed 7000 ms ago; it stays on this host (it can move)");
    expect(stepReason("x (put: TIMEOUT); whether the write was applied is unknown")).toBe("x (put: TIMEOUT)");
    expect(stepReason("host h2 refused; nothing was changed")).toBe("host h2 refused");
  });
});
