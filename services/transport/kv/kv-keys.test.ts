import { describe, expect, it } from "vitest";
import type { KV } from "nats";
import { kvKeysWithinMs } from "./kv-keys.js";

/** A key listing as nats.js hands it out: an async iterator that `stop(err)` ends (with err). */
function listing(keys: string[], ends: boolean) {
  let stopped: { err?: Error } | undefined;
  let wake: (() => void) | undefined;
  return {
    stop(err?: Error) {
      stopped = { err };
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (const key of keys) yield key;
      if (!ends) await new Promise<void>((r) => (wake = r));
      if (stopped?.err) throw stopped.err;
    },
  };
}

const kvListing = (keys: string[], ends: boolean) =>
  ({ keys: () => Promise.resolve(listing(keys, ends)) }) as unknown as KV;

describe("kvKeysWithinMs", () => {
  it("returns the keys of a listing that ends", async () => {
    expect(await kvKeysWithinMs(kvListing(["a", "b"], true), ">", 1000)).toEqual(["a", "b"]);
  });

  it("fails, naming the filter, when the listing has no end within the bound", async () => {
    await expect(kvKeysWithinMs(kvListing(["a"], false), "ha.lease.>", 20)).rejects.toThrow(
      "listing the keys ha.lease.>: no end within 20 ms (TIMEOUT)",
    );
  });
});
