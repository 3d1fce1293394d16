import { describe, expect, it } from "vitest";
import { handleTopKey, initialTopKeyState, type TopKeyState } from "./top-keys.js";

function press(keys: string[], state: TopKeyState = initialTopKeyState(3)): TopKeyState {
  return keys.reduce(handleTopKey, state);
}

describe("xentop's keys (handle_key)", () => {
  it("q, Q and Esc quit", () => {
    for (const key of ["q", "Q", "\x1b"]) expect(press([key]).quit, key).toBe(true);
    expect(press(["x"]).quit).toBe(false);
  });

  it("s moves the sort to the next of the 19 columns and wraps", () => {
    expect(press(["s"]).sortColumn).toBe(1);
    expect(press(["S", "s"]).sortColumn).toBe(2);
    expect(press(Array<string>(19).fill("s")).sortColumn).toBe(0);
  });

  it("d prompts for Delay(sec); Enter sets a positive number, anything else leaves it", () => {
    expect(press(["d"]).prompt).toBe("");
    expect(press(["d", "1", "0", "\r"])).toMatchObject({ delaySeconds: 10, prompt: undefined });
    expect(press(["d", "0", "\r"]).delaySeconds).toBe(3);
    expect(press(["d", "x", "\r"]).delaySeconds).toBe(3);
    expect(press(["d", "5", "\x1b"])).toMatchObject({ delaySeconds: 3, prompt: undefined, quit: false });
    expect(press(["d", "5", "9", "\x7f", "\r"]).delaySeconds).toBe(5);
  });

  it("q typed into the prompt is text, not quit", () => {
    expect(press(["D", "q"])).toMatchObject({ quit: false, prompt: "q" });
  });
});
