import { describe, expect, it } from "vitest";
import { LeaseReads } from "./ha-lease-reads.js";
import type { StatefileEntry } from "../contracts/statefile.js";

function leaseText(hostId: string, epoch = "e1"): string {
  return JSON.stringify({ hostId, address: `${hostId}:1`, epoch, state: "live", sees: [] });
}

function read(entries: Array<[string, string, number]>): Map<string, StatefileEntry> {
  return new Map(entries.map(([key, value, revision]) => [key, { value, revision }]));
}

function summary(leases: ReadonlyMap<string, { lease: { epoch: string }; revision: number }>) {
  return [...leases].map(([hostId, l]) => [hostId, l.lease.epoch, l.revision]);
}

describe("LeaseReads", () => {
  it("gives the leases by host in the read's order, at their revisions, without the texts that are not leases", () => {
    const reads = new LeaseReads();
    expect(
      summary(
        reads.note(
          read([
            ["lease.h2", leaseText("h2"), 1],
            ["lease.h1", leaseText("h1"), 2],
            ["lease.h3", "not a lease", 3],
          ]),
        ),
      ),
    ).toEqual([
      ["h2", "e1", 1],
      ["h1", "e1", 2],
    ]);
  });

  it("follows new revisions, new texts, a text that stops or starts being a lease, and keys that come, go or move", () => {
    const reads = new LeaseReads();
    reads.note(
      read([
        ["lease.h1", leaseText("h1"), 1],
        ["lease.h2", leaseText("h2"), 2],
      ]),
    );
    const renewed = reads.note(
      read([
        ["lease.h1", leaseText("h1"), 5],
        ["lease.h2", leaseText("h2", "e2"), 6],
      ]),
    );
    expect(summary(renewed)).toEqual([
      ["h1", "e1", 5],
      ["h2", "e2", 6],
    ]);
    expect(
      summary(
        reads.note(
          read([
            ["lease.h1", "garbage", 7],
            ["lease.h2", leaseText("h2", "e2"), 6],
          ]),
        ),
      ),
    ).toEqual([["h2", "e2", 6]]);
    expect(
      summary(
        reads.note(
          read([
            ["lease.h1", leaseText("h1"), 8],
            ["lease.h2", leaseText("h2", "e2"), 6],
          ]),
        ),
      ),
    ).toEqual([
      ["h1", "e1", 8],
      ["h2", "e2", 6],
    ]);
    expect(
      summary(
        reads.note(
          read([
            ["lease.h2", leaseText("h2", "e2"), 6],
            ["lease.h1", leaseText("h1"), 8],
          ]),
        ),
      ),
    ).toEqual([
      ["h2", "e2", 6],
      ["h1", "e1", 8],
    ]);
    expect(
      summary(
        reads.note(
          read([
            ["lease.h3", leaseText("h3"), 9],
            ["lease.h2", leaseText("h2", "e2"), 6],
          ]),
        ),
      ),
    ).toEqual([
      ["h3", "e1", 9],
      ["h2", "e2", 6],
    ]);
    expect(summary(reads.note(read([])))).toEqual([]);
  });

  it("parses a text once while it stays the same", () => {
    const reads = new LeaseReads();
    const first = reads.note(read([["lease.h1", leaseText("h1"), 1]])).get("h1")!.lease;
    const again = reads.note(read([["lease.h1", leaseText("h1"), 2]])).get("h1")!.lease;
    expect(again).toBe(first);
  });
});
