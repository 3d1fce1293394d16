import { describe, expect, it } from "vitest";
import { MemoryStore } from "../contracts/state-store.js";
import { DisabledHosts } from "./disabled-hosts.js";

/** A store whose `keys` waits until released: a reload caught in the middle of its read. */
class SlowKeysStore extends MemoryStore {
  private release: (() => void) | undefined;
  hold = false;

  override async keys(prefix: string): Promise<string[]> {
    const found = await super.keys(prefix);
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    return found;
  }

  letGo(): void {
    this.release?.();
  }
}

describe("DisabledHosts", () => {
  it("a reload drops a host another scheduler enabled (the store no longer names it)", async () => {
    const store = new MemoryStore();
    const mine = new DisabledHosts(store);
    await mine.set("h2", false);
    // Another scheduler (this one a standby then) enables h2: the key goes.
    await new DisabledHosts(store).set("h2", true);
    expect([...mine]).toEqual(["h2"]);
    await mine.load();
    expect([...mine]).toEqual([]);
  });

  it("a reload adds a host another scheduler disabled", async () => {
    const store = new MemoryStore();
    const mine = new DisabledHosts(store);
    await new DisabledHosts(store).set("h3", false);
    await mine.load();
    expect(mine.has("h3")).toBe(true);
  });

  it("a reload that read the store before a local disable finished keeps the disable", async () => {
    const store = new SlowKeysStore();
    const mine = new DisabledHosts(store);
    store.hold = true;
    const loading = mine.load(); // read: nothing disabled
    await Promise.resolve();
    store.hold = false;
    await mine.set("h1", false);
    store.letGo();
    await loading;
    expect([...mine]).toEqual(["h1"]);
  });

  it("a reload that read the store before a local enable finished keeps the enable", async () => {
    const store = new SlowKeysStore();
    const mine = new DisabledHosts(store);
    await mine.set("h1", false);
    store.hold = true;
    const loading = mine.load(); // read: h1 disabled
    await Promise.resolve();
    store.hold = false;
    await mine.set("h1", true);
    store.letGo();
    await loading;
    expect([...mine]).toEqual([]);
  });

  it("a failed reload changes nothing; a failed disable is undone", async () => {
    const store = new MemoryStore();
    const mine = new DisabledHosts(store);
    await mine.set("h1", false);
    store.unavailable = true;
    await expect(mine.load()).rejects.toThrow(/cannot be reached/);
    await expect(mine.set("h2", false)).rejects.toThrow(/cannot be reached/);
    expect([...mine]).toEqual(["h1"]);
  });
});
