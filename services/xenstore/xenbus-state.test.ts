import { describe, expect, it } from "vitest";
import { parseXenbusState, XenbusState, xenbusStateName } from "./xenbus-state.js";

describe("XenbusState", () => {
  it("has xenbus.h's values", () => {
    expect(XenbusState).toEqual({
      Unknown: 0,
      Initialising: 1,
      InitWait: 2,
      Initialised: 3,
      Connected: 4,
      Closing: 5,
      Closed: 6,
      Reconfiguring: 7,
      Reconfigured: 8,
    });
    expect(xenbusStateName(XenbusState.InitWait)).toBe("InitWait");
  });

  it("parses a state node's value", () => {
    expect(parseXenbusState("4", "/fe/state")).toBe(XenbusState.Connected);
    expect(parseXenbusState(undefined, "/fe/state")).toBe(XenbusState.Unknown);
    expect(() => parseXenbusState("9", "/fe/state")).toThrow(/\/fe\/state: "9" is not a XenbusState/);
    expect(() => parseXenbusState("", "/fe/state")).toThrow(/EINVAL/);
    expect(() => parseXenbusState("4.0", "/fe/state")).toThrow(/EINVAL/);
  });
});
