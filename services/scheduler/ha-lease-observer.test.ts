import { describe, expect, it } from "vitest";
import { LeaseObserver, countSeen } from "./ha-lease-observer.js";
import { Prng } from "../core/prng.js";
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
      timing,
    );
    for (let t = 1000; t <= deadlineMs; t += 1000)
      observer.observe(
        leases([
          [lease("h1", ["h2", "h3"]), 1],
          [lease("h2", ["h3"]), 10 + t],
          [lease("h3", ["h2"]), 20 + t],
        ]),
        t,
        timing,
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
      timing,
    );
    observer.reset(); // the read failed for a minute
    observer.observe(
      leases([
        [lease("h1", ["h2"]), 1],
        [lease("h2", []), 3],
      ]),
      60_000,
      timing,
    );
    expect(observer.lost(60_000 + deadlineMs - 1, timing)).toEqual([]);
  });

  it("never declares a host the others still see on the network (cut from the broker only)", () => {
    const observer = new LeaseObserver();
    observer.observe(leases([[lease("h1", ["h2", "h3"]), 1]]), 0, timing);
    const fresh = (t: number) =>
      leases([
        [lease("h1", ["h2", "h3"]), 1],
        [lease("h2", ["h1", "h3"]), t + 2],
        [lease("h3", ["h1", "h2"]), t + 3],
      ]);
    for (let t = 0; t <= 2 * deadlineMs; t += 1000) observer.observe(fresh(t), t, timing);
    expect(observer.lost(2 * deadlineMs, timing)).toEqual([]);
  });

  it("ignores revoked leases and hosts alone in the cluster", () => {
    const observer = new LeaseObserver();
    observer.observe(leases([[lease("h1", [], "revoked"), 5]]), 0, timing);
    expect(observer.lost(10 * deadlineMs, timing)).toEqual([]);
    const alone = new LeaseObserver();
    alone.observe(leases([[lease("h1", []), 5]]), 0, timing);
    expect(alone.lost(10 * deadlineMs, timing)).toEqual([]);
  });
  it("waits T after its peers dropped a host whose lease went stale while they saw it (VOPR seed 199)", () => {
    // h1 cut from the broker only: its lease stops, its peers see it, it runs its guests on. Then
    // cut from its peers too: it finds itself outside the majority up to a peer-seen window
    // later and fences an isolation-confirm later. Revoking when the peers' leases first drop it
    // restarted its guests while its copies still ran.
    const observer = new LeaseObserver();
    const droppedAtMs = 3 * deadlineMs;
    const read = (t: number) => {
      const sees = t < droppedAtMs ? ["h1"] : [];
      observer.observe(
        leases([
          [lease("h1", ["h2", "h3"]), 1],
          [lease("h2", [...sees, "h3"]), 10 + t],
          [lease("h3", [...sees, "h2"]), 20 + t],
        ]),
        t,
        timing,
      );
    };
    for (let t = 0; t < droppedAtMs + timing.timeoutMs; t += 1000) read(t);
    expect(observer.lost(droppedAtMs + timing.timeoutMs - 1000, timing)).toEqual([]);
    read(droppedAtMs + timing.timeoutMs);
    expect(observer.lost(droppedAtMs + timing.timeoutMs, timing).map((o) => o.hostId)).toEqual(["h1"]);
  });

  it("starts the wait again when a peer sees the host again in between", () => {
    const observer = new LeaseObserver();
    const read = (t: number, sees: string[]) =>
      observer.observe(
        leases([
          [lease("h1", []), 1],
          [lease("h2", sees), 10 + t],
          [lease("h3", sees), 20 + t],
        ]),
        t,
        timing,
      );
    for (let t = 0; t < deadlineMs; t += 1000) read(t, []);
    read(deadlineMs, ["h1"]); // seen again for one read
    for (let t = deadlineMs + 1000; t < deadlineMs + 1000 + timing.timeoutMs; t += 1000) read(t, []);
    expect(observer.lost(deadlineMs + timing.timeoutMs, timing)).toEqual([]);
    read(deadlineMs + 1000 + timing.timeoutMs, []);
    expect(observer.lost(deadlineMs + 1000 + timing.timeoutMs, timing).map((o) => o.hostId)).toEqual(["h1"]);
  });

  it("counts a peer once however often it lists a host, never a host listing itself, and only live fresh leases", () => {
    const observer = new LeaseObserver();
    // h1's lease stops at revision 1; of the others, h2 lists h1 twice (still one peer), h1 lists
    // itself (not a peer), h4 is revoked (not counted, though its lease changes): one of two live fresh peers sees h1, so h1
    // is not "unseen" (2 x 1 < 2 is false) and never lost.
    const still = (t: number) =>
      leases([
        [lease("h1", ["h1", "h2", "h3"]), 1],
        [lease("h2", ["h1", "h1", "h3"]), 10 + t],
        [lease("h3", ["h2"]), 20 + t],
        [lease("h4", ["h1"], "revoked"), 40 + t],
      ]);
    for (let t = 0; t <= 2 * deadlineMs; t += 1000) observer.observe(still(t), t, timing);
    expect(observer.lost(2 * deadlineMs, timing)).toEqual([]);
    // Then h5 joins: h2 (listing h1 twice) is one of three live fresh peers, fewer than half: h1 is
    // lost T after that read (and past T + margin). Counting h2 twice, h1 itself or the revoked
    // h4 would keep it "seen".
    const dropped = (t: number) =>
      leases([
        [lease("h1", ["h1", "h2", "h3"]), 1],
        [lease("h2", ["h1", "h1", "h3"]), 10 + t],
        [lease("h3", ["h2"]), 20 + t],
        [lease("h4", ["h1"], "revoked"), 40 + t],
        [lease("h5", ["h2"]), 30 + t],
      ]);
    const fromMs = 2 * deadlineMs + 1000;
    for (let t = fromMs; t <= fromMs + timing.timeoutMs; t += 1000) observer.observe(dropped(t), t, timing);
    expect(observer.lost(fromMs + timing.timeoutMs - 1, timing)).toEqual([]);
    expect(observer.lost(fromMs + timing.timeoutMs, timing).map((o) => o.hostId)).toEqual(["h1"]);
  });

  it("confirms a lease only once it saw its revision change since it began observing (start, reset)", () => {
    const observer = new LeaseObserver();
    // [time, h1's revision, h2's revision, whether each is confirmed after that read]
    const reads: Array<[number, number, number, boolean, boolean]> = [
      [0, 1, 2, false, false], // the first read: nothing seen renewed
      [1000, 3, 2, true, false],
      // reset() below: a read afresh after a failed one, even at a new revision, saw no renewal
      [20_000, 3, 4, false, false],
      [21_000, 3, 5, false, true],
    ];
    for (const [nowMs, r1, r2, c1, c2] of reads) {
      if (nowMs === 20_000) observer.reset();
      const read = leases([
        [lease("h1", []), r1],
        [lease("h2", []), r2],
      ]);
      observer.observe(read, nowMs, timing);
      expect(
        observer.all().map((o) => o.confirmed),
        `at ${nowMs} ms`,
      ).toEqual([c1, c2]);
    }
  });
});

describe("a lease that appears after the first read", () => {
  it("is confirmed: it was written while the scheduler observed; one in the first read is not", () => {
    const observer = new LeaseObserver();
    observer.observe(leases([[lease("h1", []), 1]]), 0, timing);
    observer.observe(
      leases([
        [lease("h1", []), 1],
        [lease("h2", []), 2],
      ]),
      1000,
      timing,
    );
    expect(observer.all().map((o) => [o.hostId, o.confirmed])).toEqual([
      ["h1", false],
      ["h2", true],
    ]);
    observer.reset();
    observer.observe(leases([[lease("h2", []), 2]]), 2000, timing);
    expect(observer.all()[0]?.confirmed, "the first read after a reset confirms nothing").toBe(false);
  });
});

describe("LeaseObserver reading one map again", () => {
  it("observes a map changed in place (values, or keys at the same size) as it observes a new map each time", () => {
    const prng = new Prng(5);
    const hostIds = Array.from({ length: 8 }, (_, i) => `h${i}`);
    const again = new LeaseObserver();
    const fresh = new LeaseObserver();
    let held = new Map<string, { lease: LeaseValue; revision: number }>();
    let revision = 0;
    let replacedKeyCount = 0;
    let lostCount = 0;
    for (let read = 0; read < 400; read++) {
      const nowMs = read * 1000;
      const choice = prng.nextInt(20);
      if (choice === 0) held = new Map(held);
      else if (choice === 1 && held.size > 0) {
        // A key swapped for another at the same size: the positions no longer match the hosts.
        const gone = [...held.keys()][prng.nextInt(held.size)]!;
        const added = hostIds.find((hostId) => !held.has(hostId));
        if (added !== undefined) {
          held.delete(gone);
          held.set(added, { lease: lease(added, []), revision: ++revision });
          replacedKeyCount++;
        }
      } else if (choice === 2)
        held.set(hostIds[prng.nextInt(hostIds.length)]!, { lease: lease("x", []), revision: 0 });
      if (choice === 3) {
        again.reset();
        fresh.reset();
      }
      // Renewals in place (a value replaced), as ha-lease-reads.ts updates its records.
      for (const [hostId, value] of held) {
        // h0 stops renewing for a while: lost once its peers stop listing it too.
        if (prng.nextInt(3) > 0 || (hostId === "h0" && read % 100 > 50)) continue;
        const sees = hostIds.filter((id) => id !== hostId && id !== "h0" && prng.nextInt(4) > 0);
        const state = prng.nextInt(30) === 0 ? "revoked" : "live";
        held.set(hostId, { lease: lease(hostId, sees, state), revision: value.revision + 1 + ++revision });
      }
      again.observe(held, nowMs, timing);
      fresh.observe(new Map(held), nowMs, timing);
      expect(again.all()).toEqual(fresh.all());
      const lost = fresh.lost(nowMs, timing);
      lostCount += lost.length;
      expect(again.lost(nowMs, timing)).toEqual(lost);
      for (const hostId of hostIds) expect(again.get(hostId)).toEqual(fresh.get(hostId));
    }
    expect(replacedKeyCount).toBeGreaterThan(10);
    expect(lostCount).toBeGreaterThan(10);
  });
});

describe("countSeen", () => {
  it("counts as the first-occurrence scan did, sorted lists or not, repeats and self included", () => {
    const reference = (sees: readonly string[], hostId: string, seenBy: Map<string, number>) => {
      for (let index = 0; index < sees.length; index++) {
        const id = sees[index]!;
        if (id !== hostId && sees.indexOf(id) === index) seenBy.set(id, (seenBy.get(id) ?? 0) + 1);
      }
    };
    const prng = new Prng(11);
    let sortedCount = 0;
    for (let round = 0; round < 200; round++) {
      const fast = new Map<string, number>();
      const slow = new Map<string, number>();
      for (let l = 0; l < 12; l++) {
        const hostId = `h${prng.nextInt(20)}`;
        let sees = Array.from({ length: prng.nextInt(15) }, () => `h${prng.nextInt(20)}`);
        // Half as a host writes them: sorted, without repeats.
        if (prng.nextInt(2) === 0) {
          sees = [...new Set(sees)].sort();
          sortedCount++;
        }
        countSeen(sees, hostId, fast);
        reference(sees, hostId, slow);
      }
      expect(fast).toEqual(slow);
    }
    expect(sortedCount).toBeGreaterThan(1000);
  });
});

describe("LeaseObserver with HA off (observe without timing)", () => {
  const stale = (nowMs: number) =>
    leases([
      [lease("h1", []), 1],
      [lease("h2", ["h3"]), 10 + nowMs],
      [lease("h3", ["h2"]), 20 + nowMs],
    ]);

  it("counts no silence while HA is off: the first read with HA on starts it afresh", () => {
    const observer = new LeaseObserver();
    observer.observe(stale(0), 0, timing);
    // A long stretch with HA off: h1's lease goes stale, unseen by its peers, but nobody counts.
    for (let t = 1000; t <= 2 * deadlineMs; t += 1000) observer.observe(stale(t), t, undefined);
    expect(() => observer.lost(2 * deadlineMs, timing)).toThrow(/did not count/);
    const onMs = 2 * deadlineMs + 1000;
    for (let t = onMs; t < onMs + timing.timeoutMs; t += 1000) {
      observer.observe(stale(t), t, timing);
      expect(observer.lost(t, timing), `${t} ms`).toEqual([]);
    }
    observer.observe(stale(onMs + timing.timeoutMs), onMs + timing.timeoutMs, timing);
    expect(observer.lost(onMs + timing.timeoutMs, timing).map((o) => o.hostId)).toEqual(["h1"]);
  });

  it("observes the leases and their revisions as with HA on", () => {
    const off = new LeaseObserver();
    const on = new LeaseObserver();
    for (let t = 0; t <= 5000; t += 1000) {
      off.observe(stale(t), t, undefined);
      on.observe(stale(t), t, timing);
    }
    expect(off.all()).toEqual(on.all());
    expect(off.get("h1")).toEqual({
      hostId: "h1",
      lease: lease("h1", []),
      revision: 1,
      sinceMs: 0,
      confirmed: false,
    });
  });
});
