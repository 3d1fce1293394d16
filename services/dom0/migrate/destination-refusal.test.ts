import { describe, expect, it } from "vitest";
import { isNothingChanged, ToolstackError } from "../errors.js";
import { destinationRefusal } from "./destination-refusal.js";

describe("destinationRefusal", () => {
  it("keeps the destination's code and words, prefixed with the destination", () => {
    const error = destinationRefusal("10.0.0.2:7000", "host h2 takes no HA-protected guest", "UNAVAILABLE");
    expect(error).toBeInstanceOf(ToolstackError);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toBe("destination 10.0.0.2:7000 refused: host h2 takes no HA-protected guest");
  });

  it("is a NothingChangedError, same code and words, only when the destination says nothing changed", () => {
    const reason =
      'host h2 takes no HA-protected guest ("db") now: its HA lease is not written yet; nothing was changed';
    const typed = destinationRefusal("10.0.0.2:7000", reason, "UNAVAILABLE", true);
    expect(isNothingChanged(typed)).toBe(true);
    expect(typed.code).toBe("UNAVAILABLE");
    expect(typed.message).toBe(`destination 10.0.0.2:7000 refused: ${reason}`);
    expect(isNothingChanged(destinationRefusal("d", reason, "UNAVAILABLE", false))).toBe(false);
    expect(isNothingChanged(destinationRefusal("d", reason, "UNAVAILABLE"))).toBe(false);
  });

  it("is ABORTED when the destination sent no code, or one this end does not know", () => {
    expect(destinationRefusal("d", "stream ended without END", undefined).code).toBe("ABORTED");
    expect(destinationRefusal("d", "stream ended without END", "").code).toBe("ABORTED");
    expect(destinationRefusal("d", "x", "DATA_LOSS").code).toBe("ABORTED");
  });
});
