import { describe, expect, it } from "vitest";
import { MemoryStore, StoreUnavailableError } from "./state-store.js";
import { stateStoreCases } from "./state-store.case.js";

describe("MemoryStore", () => {
  const store = new MemoryStore();
  stateStoreCases(() => Promise.resolve(store));

  it("fails every call as an outage when unavailable, and changes nothing", async () => {
    const down = new MemoryStore();
    await down.put("k", "v");
    down.unavailable = true;
    await expect(down.create("j", "v")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(down.keys("")).rejects.toThrow(/cannot be reached/);
    down.unavailable = false;
    expect(await down.keys("")).toEqual(["k"]);
  });
});
