import { describe, expect, it } from "vitest";
import { LeaseObserver } from "./ha-lease-observer.js";
import { leaseTiming, type LeaseValue } from "../contracts/lease.js";

const timing = leaseTiming(10_000);
const deadlineMs = timing.timeoutMs + timing.restartMarginMs;

function lease(hostId: string, sees: string[], state: "live" | "revoked" = "live"): LeaseValue {
  return { hostId, address: `${hostId}:1`, epoch: `e-${hostId}`, state, sees };
}

function leases(entries: Array<[LeaseValue, number]>) {
  return new Map(entries.map(([l, revision]) => [l.hostId, { lease: l, revision }]));
}

describe("LeaseObserver (docs/specs/ha.md §5)", () => {
  it("finds a host whose lease stopped for T + margin and whom the others no longer see", () => {
    const observer = new LeaseObserver();
    observer.observe(
      leases([
        [lease("h1", ["h2", "h3"]), 1],
        [lease("h2", ["h1", "h3"]), 2],
        [lease("h3", ["h1", "h2"]), 3],
      ]),
      0,
    );
    for (let t = 1000; t <= deadlineMs; t += 1000)
      observer.observe(
        leases([
          [lease("h1", ["h2", "h3"]), 1],
          [lease("h2", ["h3"]), 10 + t],
          [lease("h3", ["h2"]), 20 + t],
        ]),
        t,
      );
    expect(observer.lost(deadlineMs - 1, timing)).toEqual([]);
    expect(observer.lost(deadlineMs, timing).map((o) => [o.hostId, o.revision])).toEqual([["h1", 1]]);
  });

  it("does not count silence while the statefile could not be read (a broker outage)", () => {
    const observer = new LeaseObserver();
    observer.observe(
      leases([
        [lease("h1", ["h2"]), 1],
        [lease("h2", ["h1"]), 2],
      ]),
      0,
    );
    observer.reset(); // the read failed for a minute
    observer.observe(
      leases([
        [lease("h1", ["h2"]), 1],
        [lease("h2", []), 3],
      ]),
      60_000,
    );
    expect(observer.lost(60_000 + deadlineMs - 1, timing)).toEqual([]);
  });

  it("never declares a host the others still see on the network (cut from the broker only)", () => {
    const observer = new LeaseObserver();
    observer.observe(leases([[lease("h1", ["h2", "h3"]), 1]]), 0);
    const fresh = (t: number) =>
      leases([
        [lease("h1", ["h2", "h3"]), 1],
        [lease("h2", ["h1", "h3"]), t + 2],
        [lease("h3", ["h1", "h2"]), t + 3],
      ]);
    for (let t = 0; t <= 2 * deadlineMs; t += 1000) observer.observe(fresh(t), t);
    expect(observer.lost(2 * deadlineMs, timing)).toEqual([]);
  });

  it("ignores revoked leases and hosts alone in the cluster", () => {
    const observer = new LeaseObserver();
    observer.observe(leases([[lease("h1", [], "revoked"), 5]]), 0);
    expect(observer.lost(10 * deadlineMs, timing)).toEqual([]);
    const alone = new LeaseObserver();
    alone.observe(leases([[lease("h1", []), 5]]), 0);
    expect(alone.lost(10 * deadlineMs, timing)).toEqual([]);
  });
});
