import { describe, expect, it } from "vitest";
import { KvSnapshot, SortedKeys } from "./kv-snapshot.js";

const KEYS = ["lease.a", "lease.b", "lease.c"];
const ENTRIES = [
  { value: "A", revision: 4 },
  { value: "B", revision: 9 },
  { value: "C", revision: 2 },
];

describe("KvSnapshot", () => {
  it("reads as the Map of its keys and entries would, in the keys' order", () => {
    const snapshot = new KvSnapshot(new SortedKeys(KEYS), ENTRIES);
    const map = new Map(KEYS.map((key, position) => [key, ENTRIES[position]!]));
    expect(snapshot.size).toBe(map.size);
    expect([...snapshot]).toEqual([...map]);
    expect([...snapshot.entries()]).toEqual([...map.entries()]);
    expect([...snapshot.keys()]).toEqual([...map.keys()]);
    expect([...snapshot.values()]).toEqual([...map.values()]);
    for (const key of [...KEYS, "lease.d", "lease.", ""]) {
      expect(snapshot.get(key), key).toBe(map.get(key));
      expect(snapshot.has(key), key).toBe(map.has(key));
    }
    const seen: unknown[] = [];
    snapshot.forEach(function (this: unknown, entry, key, of) {
      seen.push([key, entry, of === snapshot, this]);
    }, "this");
    expect(seen).toEqual(KEYS.map((key, position) => [key, ENTRIES[position], true, "this"]));
  });

  it("hands out iterators that each walk the list once, then stay done", () => {
    const snapshot = new KvSnapshot(new SortedKeys(KEYS), ENTRIES);
    const values = snapshot.values();
    const walked: unknown[] = [];
    for (const entry of values) walked.push(entry);
    expect(walked).toEqual(ENTRIES);
    expect(values.next()).toEqual({ done: true, value: undefined });
    expect([...snapshot.keys()], "a new iterator starts over").toEqual(KEYS);
  });

  it("shares its keys' index with the other snapshots of the same keys", () => {
    const sorted = new SortedKeys(KEYS);
    const before = new KvSnapshot(sorted, ENTRIES);
    const after = new KvSnapshot(sorted, [ENTRIES[0]!, { value: "B2", revision: 10 }, ENTRIES[2]!]);
    expect(before.get("lease.b")?.value).toBe("B");
    expect(after.get("lease.b")?.value).toBe("B2");
    expect(new KvSnapshot(new SortedKeys([]), []).get("lease.a")).toBeUndefined();
  });
});
