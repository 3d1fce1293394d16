import { describe, expect, it } from "vitest";
import type { KV } from "nats";
import { BUCKET_OPEN_RACE_RETRY_COUNT_MAX, openBucket } from "./bucket-open.js";

const BUCKET = {} as KV;
const OVERLAP = new Error("subjects overlap with an existing stream");

describe("openBucket: a bucket two clients create at once", () => {
  it("opens again after losing the creation race, and binds to the winner's stream", async () => {
    const outcomes = [OVERLAP, new Error("stream name already in use"), BUCKET];
    const waits: number[] = [];
    const kv = await openBucket(
      () => {
        const next = outcomes.shift()!;
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
      (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    );
    expect(kv).toBe(BUCKET);
    expect(waits).toHaveLength(2);
  });

  it("fails with any other error at once, and with the race's after its last retry", async () => {
    let opens = 0;
    const timeout = new Error("TIMEOUT");
    await expect(
      openBucket(
        () => (opens++, Promise.reject(timeout)),
        () => Promise.resolve(),
      ),
    ).rejects.toBe(timeout);
    expect(opens).toBe(1);
    opens = 0;
    await expect(
      openBucket(
        () => (opens++, Promise.reject(OVERLAP)),
        () => Promise.resolve(),
      ),
    ).rejects.toBe(OVERLAP);
    expect(opens).toBe(BUCKET_OPEN_RACE_RETRY_COUNT_MAX + 1);
  });
});
