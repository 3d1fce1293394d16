import { describe, expect, it, vi } from "vitest";
import type { SubjectMemo } from "../contracts/bus.js";
import { HeartbeatCheck, heartbeatRejection } from "./heartbeat-check.js";

const beat = {
  hostId: "host1",
  address: "sim://host1",
  sequence: 1,
  timeMs: 1000,
  pcpus: 8,
  hvm: true,
  totalMemoryKib: 8388608,
  freeMemoryKib: 7077888,
  domainCount: 1,
  vcpusAllocated: 0,
  migrationsOutbound: 0,
  migrationsInbound: 0,
  intervalMs: 1000,
  listVersion: 5,
  cpupools: [{ name: "Pool-0", pcpus: 8, vcpusAllocated: 0 }],
};
const subject = "xsim.host.host1.heartbeat";
const pool = (name: string, pcpus = 8) => [{ name, pcpus, vcpusAllocated: 0 }];

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** Heartbeats on the same subjects after believed ones: each string the patterns test, changed. */
const STREAM: [string, unknown][] = [
  [subject, beat],
  [subject, { ...beat, sequence: 2 }],
  [subject, { ...beat, address: "evil host" }],
  [subject, { ...beat, address: "a:99999" }],
  [subject, { ...beat, address: "10.0.0.1:7000" }],
  [subject, { ...beat, address: "10.0.0.1:7000", sequence: 3 }],
  [subject, { ...beat, cpupools: pool("a/b") }],
  [subject, { ...beat, cpupools: pool("fast") }],
  [subject, { ...beat, cpupools: [...pool("Pool-0", 6), ...pool("a b", 2)] }],
  [subject, { ...beat, cpupools: pool("Pool-0", 9) }],
  [subject, { ...beat, cpupools: pool("Pool-0") }],
  [subject, { ...beat, hostId: "host2" }],
  [subject, { ...beat, pcpus: 0 }],
  [subject, { ...beat, timeMs: "soon" }],
  [subject, null],
  [subject, { ...beat, cpupools: undefined }],
  [subject, beat],
  // Believed again: every value the same but sequence and timeMs, which are checked each time.
  [subject, { ...beat, sequence: 4, timeMs: 2000 }],
  [subject, { ...beat, sequence: -1, timeMs: 3000 }],
  [subject, { ...beat, sequence: 4.5 }],
  [subject, { ...beat, sequence: "5" }],
  [subject, { ...beat, timeMs: Number.NaN }],
  [subject, { ...beat, timeMs: Infinity }],
  [subject, { ...beat, sequence: 5, timeMs: 2000.5 }],
  // One value other than believed: a number as a string, another value, a field gone or added.
  [subject, { ...beat, pcpus: "8" }],
  [subject, { ...beat, freeMemoryKib: 9e15 }],
  [subject, { ...beat, listVersion: undefined }],
  [subject, { ...beat, listVersion: "5" }],
  [subject, { ...beat, hvm: 1 }],
  [subject, { ...beat, intervalMs: 1 }],
  [subject, { ...beat, cpupools: [{ name: "Pool-0", pcpus: 8, vcpusAllocated: -1 }] }],
  [subject, { ...beat, cpupools: [{ name: "Pool-0", pcpus: 8 }] }],
  [subject, { ...beat, cpupools: [null] }],
  [subject, { ...beat, cpupools: [...beat.cpupools, ...pool("Pool-1", 0)] }],
  [subject, { ...beat, cpupools: "Pool-0" }],
  [subject, [beat]],
  [subject, { ...beat, sequence: 6 }],
  ["xsim.host.host2.heartbeat", beat],
  ["xsim.host.host2.heartbeat", { ...beat, hostId: "host2" }],
  ["xsim.host.host2.heartbeat", { ...beat, hostId: "host2", address: "sim://a b" }],
  ["xsim.host.a b.heartbeat", { ...beat, hostId: "a b" }],
  ["xsim.host.heartbeat", beat],
];

describe("HeartbeatCheck (the scheduler's heartbeat check, remembering what passed)", () => {
  it("answers every heartbeat of a stream as heartbeatRejection does", () => {
    const check = new HeartbeatCheck();
    const answers = STREAM.map(([s, payload]) => check.rejection(s, payload));
    expect(answers).toEqual(STREAM.map(([s, payload]) => heartbeatRejection(s, payload)));
    // The stream believes some heartbeats and drops others for each reason.
    expect(answers.filter((a) => a === undefined).length).toBeGreaterThan(4);
    expect(answers.filter((a) => a !== undefined).length).toBeGreaterThan(10);
  });

  it("answers a stream of frozen heartbeats (a host's in one process) as heartbeatRejection does", () => {
    const check = new HeartbeatCheck();
    const frozen = STREAM.map(([s, payload]) => [s, deepFreeze(structuredClone(payload))] as const);
    const answers = frozen.map(([s, payload]) => check.rejection(s, payload));
    expect(answers).toEqual(frozen.map(([s, payload]) => heartbeatRejection(s, payload)));
  });

  it("answers a stream the bus vouches frozen (JsonHandler's frozen) as heartbeatRejection does", () => {
    const check = new HeartbeatCheck();
    const frozen = STREAM.map(([s, payload]) => [s, deepFreeze(structuredClone(payload))] as const);
    const answers = frozen.map(([s, payload]) => check.rejection(s, payload, true));
    expect(answers).toEqual(frozen.map(([s, payload]) => heartbeatRejection(s, payload)));
    // Vouched, a repeat is believed on its sequence and timeMs alone, which are still checked.
    const sealed = deepFreeze({ ...beat, cpupools: pool("Pool-0") });
    expect(check.rejection(subject, sealed, true)).toBeUndefined();
    expect(check.rejection(subject, deepFreeze({ ...sealed, sequence: 9 }), true)).toBeUndefined();
    expect(check.rejection(subject, deepFreeze({ ...sealed, sequence: -9 }), true)).toMatch("sequence -9");
  });

  it("checks again all of a heartbeat whose believed one was not frozen, or whose pools were not", () => {
    const check = new HeartbeatCheck();
    const pools = [{ name: "Pool-0", pcpus: 8, vcpusAllocated: 0 }];
    // Frozen, but not its pools: they change after it was believed.
    const first = Object.freeze({ ...beat, cpupools: pools });
    expect(check.rejection(subject, first)).toBeUndefined();
    pools[0]!.pcpus = 99;
    const again = Object.freeze({ ...first, sequence: 2 });
    expect(check.rejection(subject, again)).toBe(heartbeatRejection(subject, again));
    expect(check.rejection(subject, again)).toMatch("cpupools hold 99 pCPUs");
    // Not frozen at all: changed in place after it was believed.
    const loose = { ...beat, cpupools: pool("Pool-0") };
    expect(check.rejection(subject, loose)).toBeUndefined();
    loose.freeMemoryKib = -5;
    expect(check.rejection(subject, { ...loose, sequence: 3 })).toMatch("freeMemoryKib");
    // Deep-frozen: believed again on its sequence and timeMs alone, which are still checked.
    const sealed = deepFreeze({ ...beat, cpupools: pool("Pool-0") });
    expect(check.rejection(subject, sealed)).toBeUndefined();
    expect(check.rejection(subject, deepFreeze({ ...sealed, sequence: 9 }))).toBeUndefined();
    expect(check.rejection(subject, deepFreeze({ ...sealed, sequence: -9 }))).toMatch("sequence -9");
    expect(check.rejection(subject, { ...sealed, timeMs: "later" })).toMatch("timeMs");
  });
});

describe("HeartbeatCheck's record of a host's believed heartbeat", () => {
  it("keeps the heartbeat it compares with while frozen repeats of it are believed, none once one is not frozen", () => {
    const check = new HeartbeatCheck();
    const sealed = deepFreeze({ ...beat, cpupools: pool("Pool-0") });
    expect(check.rejection(subject, sealed, true)).toBeUndefined();
    const record = check.lastViewSlot as unknown as { frozen: unknown };
    expect(record.frozen).toBe(sealed);
    for (let sequence = 2; sequence < 5; sequence++) {
      expect(
        check.rejection(subject, { ...sealed, sequence, timeMs: sequence * 1000 }, true),
      ).toBeUndefined();
      expect(record.frozen).toBe(sealed); // no new object stored in the record per heartbeat
    }
    expect(check.rejection(subject, { ...sealed, sequence: 5 }, false)).toBeUndefined(); // not frozen
    expect(record.frozen).toBeUndefined();
  });
});

describe("HeartbeatCheck with the bus's SubjectMemo (a publisher's memo for its subject)", () => {
  /** Each answer, and each slot named by the order it first appeared in (slots of two checks compared). */
  function run(stream: readonly (readonly [string, unknown])[], memoOf?: (subject: string) => SubjectMemo) {
    const check = new HeartbeatCheck();
    const slots: unknown[] = [];
    return stream.map(([s, payload]) => {
      const answer = check.rejection(s, payload, true, memoOf?.(s));
      const slot = check.lastViewSlot;
      if (slot !== undefined && !slots.includes(slot)) slots.push(slot);
      return [answer, slot === undefined ? -1 : slots.indexOf(slot)];
    });
  }

  it("answers and names the view slots as without it, the subject's record replaced or not", () => {
    const frozen = STREAM.map(([s, payload]) => [s, deepFreeze(structuredClone(payload))] as const);
    const memos = new Map<string, SubjectMemo>();
    const memoOf = (s: string) => memos.get(s) ?? memos.set(s, { kept: undefined }).get(s)!;
    expect(run(frozen, memoOf)).toEqual(run(frozen));
    // A memo the bus hands anew for each message (kept undefined) changes nothing either.
    expect(run(frozen, () => ({ kept: undefined }))).toEqual(run(frozen));
  });

  it("finds the subject's record in the memo without a lookup by subject", () => {
    const check = new HeartbeatCheck();
    const memo: SubjectMemo = { kept: undefined };
    const sealed = deepFreeze({ ...beat, cpupools: pool("Pool-0") });
    expect(check.rejection(subject, sealed, true, memo)).toBeUndefined();
    expect(memo.kept).toBe(check.lastViewSlot);
    const get = vi.spyOn(Map.prototype, "get");
    try {
      expect(check.rejection(subject, deepFreeze({ ...sealed, sequence: 2 }), true, memo)).toBeUndefined();
      expect(get).not.toHaveBeenCalled();
    } finally {
      get.mockRestore();
    }
    expect(check.lastViewSlot).toBe(memo.kept);
  });

  it("does not take a record from a memo that is another check's, another subject's or replaced", () => {
    const sealed = deepFreeze({ ...beat, cpupools: pool("Pool-0") });
    const other = new HeartbeatCheck();
    const memo: SubjectMemo = { kept: undefined };
    other.rejection(subject, sealed, true, memo);
    const check = new HeartbeatCheck();
    // Another check's record: not this check's slot.
    expect(check.rejection(subject, deepFreeze({ ...sealed, sequence: 2 }), true, memo)).toBeUndefined();
    const slot = check.lastViewSlot;
    expect(slot).not.toBe(other.lastViewSlot);
    expect(memo.kept).toBe(slot);
    // Another subject's memo: the record of this subject, not that one's.
    const host2 = deepFreeze({ ...sealed, hostId: "host2", address: "sim://host2" });
    expect(check.rejection("xsim.host.host2.heartbeat", host2, true, memo)).toBeUndefined();
    expect(check.lastViewSlot).not.toBe(slot);
    // Replaced (a new address): a memo still holding the old record is not believed.
    const stale: SubjectMemo = { kept: slot };
    const moved = deepFreeze({ ...sealed, address: "sim://elsewhere", sequence: 3 });
    expect(check.rejection(subject, moved, true, { kept: slot })).toBeUndefined();
    const replaced = check.lastViewSlot;
    expect(replaced).not.toBe(slot);
    expect(check.rejection(subject, deepFreeze({ ...moved, sequence: 4 }), true, stale)).toBeUndefined();
    expect(check.lastViewSlot).toBe(replaced);
    expect(stale.kept).toBe(replaced);
  });
});
