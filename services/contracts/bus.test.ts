import { describe, expect, it } from "vitest";
import {
  decodeJson,
  handOverJson,
  jsonCopy,
  publishJson,
  subjectMatches,
  subscribeJson,
  type Bus,
  type BusHandler,
} from "./bus.js";

class Stamp {
  constructor(readonly at: number) {}
  toJSON() {
    return { stamped: this.at };
  }
}

/** A bus of bytes only, as NATS is: publishJson and subscribeJson go through JSON text. */
function bytesBus(): Bus & { sent: Uint8Array[] } {
  const handlers: BusHandler[] = [];
  const sent: Uint8Array[] = [];
  return {
    sent,
    publish: (subject, data) => {
      sent.push(data);
      for (const handler of handlers) handler(subject, data);
    },
    subscribe: (_, handler) => {
      handlers.push(handler);
      return { unsubscribe: () => undefined };
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** NATS wildcard rules on the subjects split into tokens: what subjectMatches computes without splitting. */
function matchesBySplit(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Every string of up to `lengthMax` characters of `alphabet`, the empty one first. */
function stringsOf(alphabet: string, lengthMax: number): string[] {
  let level = [""];
  const all = [""];
  for (let length = 1; length <= lengthMax; length++) {
    level = level.flatMap((text) => [...alphabet].map((c) => text + c));
    all.push(...level);
  }
  return all;
}

describe("subjectMatches", () => {
  it("agrees with the token-split rules on every pattern and subject of up to 4 characters", () => {
    const patterns = stringsOf("ab.*>", 4);
    const subjects = [...stringsOf("ab.", 4), "*", ">", "a.*", "a.>"];
    const disagreements: string[] = [];
    for (const pattern of patterns)
      for (const subject of subjects)
        if (subjectMatches(pattern, subject) !== matchesBySplit(pattern, subject))
          disagreements.push(`${pattern} ~ ${subject}`);
    expect(disagreements).toEqual([]);
  });

  it("compares whole tokens", () => {
    expect(subjectMatches("xsim.host.h1.>", "xsim.host.h10.heartbeat")).toBe(false);
    expect(subjectMatches("xsim.host.*.heartbeat", "xsim.host.h10.heartbeat")).toBe(true);
    expect(subjectMatches("$KV.b.lease.h1", "$KV.b.lease.h1")).toBe(true);
    expect(subjectMatches("$KV.b.lease.h1", "$KV.b.lease.h12")).toBe(false);
  });
});

describe("jsonCopy", () => {
  const cases: Array<[string, unknown]> = [
    ["a heartbeat-like object", { hostId: "h1", n: 3, hvm: true, pools: [{ name: "Pool-0", pcpus: 8 }] }],
    ["undefined and function properties", { a: undefined, b: () => 1, c: 2 }],
    ["non-finite numbers and -0", { a: Number.NaN, b: Infinity, c: -0, d: [Number.NaN, -Infinity] }],
    [
      "array holes and undefined items",
      Object.assign(new Array<unknown>(5), { 0: 1, 2: undefined, 3: () => 2 }),
    ],
    ["nested toJSON and class instances", { when: new Stamp(5), map: new Map([[1, 2]]) }],
    ["a null prototype object", Object.assign(Object.create(null) as object, { x: 1 })],
    ["primitives", ["s", 1.5, false, null]],
  ];
  for (const [what, value] of cases)
    it(`gives what a JSON round trip gives: ${what}`, () => {
      expect(jsonCopy(value)).toEqual(JSON.parse(JSON.stringify(value)));
      expect(Object.is((jsonCopy({ z: -0 }) as { z: number }).z, 0)).toBe(true);
    });

  it("is deep-frozen and shares nothing with the original", () => {
    const original = { pools: [{ name: "Pool-0" }] };
    const copy = jsonCopy(original) as typeof original;
    original.pools[0]!.name = "changed";
    expect(copy.pools[0]!.name).toBe("Pool-0");
    expect(() => {
      copy.pools[0]!.name = "x";
    }).toThrow(TypeError);
  });

  it("throws on a BigInt and gives undefined for what JSON leaves out, as JSON.stringify does", () => {
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
    expect(jsonCopy(undefined)).toBeUndefined();
    expect(jsonCopy(() => 1)).toBeUndefined();
  });
});

describe("handOverJson", () => {
  it("freezes a value that is already parsed JSON in place, without copying it", () => {
    const beat = { hostId: "h1", pools: [{ name: "Pool-0", pcpus: 8 }], hvm: true, note: null };
    const handed = handOverJson(beat);
    expect(handed).toBe(beat);
    expect(Object.isFrozen(beat) && Object.isFrozen(beat.pools) && Object.isFrozen(beat.pools[0])).toBe(true);
  });

  it("copies, as jsonCopy does, anything JSON would change", () => {
    const cases: unknown[] = [
      { a: undefined },
      { a: Number.NaN },
      { a: -0 },
      [1, undefined],
      new Array<unknown>(2),
      { when: new Stamp(1) },
      { toJSON: () => 1 },
    ];
    for (const value of cases) {
      const handed = handOverJson(value);
      expect(handed).not.toBe(value);
      expect(handed).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });
});

describe("publishJson / subscribeJson on a bus of bytes", () => {
  it("travel as JSON text; bytes that do not parse reach the handler as undefined", () => {
    const bus = bytesBus();
    const got: unknown[] = [];
    subscribeJson(bus, "t.x", (_, value) => got.push(value));
    publishJson(bus, "t.x", { n: 1 });
    bus.publish("t.x", new TextEncoder().encode("{nope"));
    expect(decodeJson(bus.sent[0]!)).toEqual({ n: 1 });
    expect(got).toEqual([{ n: 1 }, undefined]);
  });
});
