import { describe, expect, it } from "vitest";
import { unreachableNote } from "./list-command.js";

describe("xsim list through the scheduler: hosts it cannot reach", () => {
  it("says whose domains are missing from the list, and how to ask them", () => {
    expect(unreachableNote([])).toBeUndefined();
    expect(unreachableNote(["h3"])).toBe(
      "xsim: not listed: the domains of host h3, which the scheduler cannot reach (no heartbeat: down, or cut from the broker); they may still run: ask with xsim -H HOST list",
    );
    expect(unreachableNote(["h1", "h3"])).toMatch(/^xsim: not listed: the domains of hosts h1, h3, /);
  });

  it("with the scheduler's broker note, says that cause first", () => {
    expect(
      unreachableNote(["h1", "h3"], "nats-server (x) is unreachable from the scheduler for 5.0 s: NOTE"),
    ).toBe(
      "xsim: nats-server (x) is unreachable from the scheduler for 5.0 s: NOTE; not listed: the domains of hosts h1, h3 (ask with xsim -H HOST list)",
    );
  });
});
