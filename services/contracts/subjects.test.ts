import { setFlagsFromString } from "node:v8";
import { runInThisContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { heartbeatSubject } from "./subjects.js";

/** V8's own answer: natives syntax is allowed for code compiled after the flag is set. */
function isInternalized(text: string): boolean {
  setFlagsFromString("--allow-natives-syntax");
  return (runInThisContext("(text) => %IsInternalizedString(text)") as (text: string) => boolean)(text);
}

describe("heartbeatSubject", () => {
  it("is xsim.host.<hostId>.heartbeat (docs/specs/nats-subjects.md)", () => {
    expect(heartbeatSubject("h17")).toBe("xsim.host.h17.heartbeat");
  });

  it("is internalized: the scheduler looks a Map up by it at every heartbeat", () => {
    const hostId = `h${String(process.pid)}`; // a name no literal of this process holds
    expect(isInternalized(`xsim.host.${hostId}.heartbeat`)).toBe(false); // the rope it is built as
    expect(isInternalized(heartbeatSubject(hostId))).toBe(true);
  });
});
