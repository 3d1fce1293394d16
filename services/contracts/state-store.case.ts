import { expect, it } from "vitest";
import type { StateStore } from "./state-store.js";

/** The compare-and-set contract every StateStore keeps (run by memory and NATS KV tests). */
export function stateStoreCases(open: () => Promise<StateStore>): void {
  it("create writes only an absent key", async () => {
    const store = await open();
    const first = await store.create("case.a", "1");
    expect(first).toBeGreaterThan(0);
    expect(await store.create("case.a", "2")).toBeUndefined();
    expect(await store.entry("case.a")).toEqual({ value: "1", revision: first });
  });

  it("update and remove succeed only at the current revision", async () => {
    const store = await open();
    const first = (await store.create("case.b", "1"))!;
    const second = await store.update("case.b", "2", first);
    expect(second).toBeGreaterThan(first);
    expect(await store.update("case.b", "3", first), "a stale revision loses").toBeUndefined();
    expect(await store.remove("case.b", first)).toBe(false);
    expect(await store.get("case.b")).toBe("2");
    expect(await store.remove("case.b", second!)).toBe(true);
    expect(await store.entry("case.b")).toBeUndefined();
    expect(await store.create("case.b", "4"), "a removed key can be created again").toBeGreaterThan(0);
  });

  it("of two writers at the same revision exactly one wins", async () => {
    const store = await open();
    const revision = (await store.create("case.c", "0"))!;
    const outcomes = await Promise.all([
      store.update("case.c", "x", revision),
      store.update("case.c", "y", revision),
    ]);
    expect(outcomes.filter((o) => o !== undefined)).toHaveLength(1);
    expect(await store.keys("case.")).toEqual(expect.arrayContaining(["case.a", "case.c"]));
  });
}
