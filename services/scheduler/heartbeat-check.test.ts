import { describe, expect, it } from "vitest";
import { HeartbeatCheck, heartbeatRejection } from "./heartbeat-check.js";

const beat = {
  hostId: "host1",
  address: "127.0.1.1:41234",
  sequence: 17,
  timeMs: 1764150000000,
  pcpus: 8,
  hvm: true,
  totalMemoryKib: 8388608,
  freeMemoryKib: 7077888,
  domainCount: 3,
  vcpusAllocated: 4,
  migrationsOutbound: 0,
  migrationsInbound: 0,
  intervalMs: 1000,
};
const subject = "xsim.host.host1.heartbeat";

describe("the scheduler's heartbeat check", () => {
  it("believes a heartbeat a real host sends", () => {
    expect(heartbeatRejection(subject, beat)).toBeUndefined();
  });

  it("drops a heartbeat whose hostId is not the subject's (host A signed as host B)", () => {
    expect(heartbeatRejection("xsim.host.host2.heartbeat", beat)).toMatch(/names host "host1" but came on/);
  });

  it.each([
    ["intervalMs", 0],
    ["intervalMs", 3_600_000],
    ["pcpus", 0],
    ["pcpus", 1e9],
    ["totalMemoryKib", -1],
    ["freeMemoryKib", 9e15],
    ["domainCount", 0],
    ["sequence", 1.5],
    ["migrationsInbound", -3],
  ])("drops impossible values: %s = %s", (field, value) => {
    expect(heartbeatRejection(subject, { ...beat, [field]: value })).toMatch(field);
  });

  it("believes a host's cpupools, and drops forged ones", () => {
    const pools = [
      { name: "Pool-0", pcpus: 6, vcpusAllocated: 4 },
      { name: "fast", pcpus: 2, vcpusAllocated: 0 },
    ];
    expect(heartbeatRejection(subject, { ...beat, cpupools: pools })).toBeUndefined();
    const tooMany = [...pools, { name: "more", pcpus: 1, vcpusAllocated: 0 }];
    expect(heartbeatRejection(subject, { ...beat, cpupools: tooMany })).toBe(
      "cpupools hold 9 pCPUs, the host has 8",
    );
    expect(
      heartbeatRejection(subject, { ...beat, cpupools: [{ name: "a/b", pcpus: 1, vcpusAllocated: 0 }] }),
    ).toMatch("is not a cpupool name");
    expect(heartbeatRejection(subject, { ...beat, cpupools: "Pool-0" })).toMatch("cpupools is not a list");
    expect(
      heartbeatRejection(subject, { ...beat, cpupools: [{ name: "p", pcpus: -1, vcpusAllocated: 0 }] }),
    ).toMatch("no whole pcpus");
  });

  it("believes a whole listVersion, or none (an older host), and drops any other", () => {
    expect(heartbeatRejection(subject, { ...beat, listVersion: 42 })).toBeUndefined();
    expect(heartbeatRejection(subject, beat)).toBeUndefined();
    expect(heartbeatRejection(subject, { ...beat, listVersion: -1 })).toMatch(
      "listVersion -1 is not an integer",
    );
    expect(heartbeatRejection(subject, { ...beat, listVersion: "7" })).toMatch(
      'listVersion "7" is not an integer',
    );
  });

  it("believes a whole realMemoryUsedBytes, or none, and drops any other, in a stream of repeats too", () => {
    expect(heartbeatRejection(subject, { ...beat, realMemoryUsedBytes: 123 * 4096 })).toBeUndefined();
    for (const bad of [-1, 1.5, "lots", Number.NaN])
      expect(heartbeatRejection(subject, { ...beat, realMemoryUsedBytes: bad })).toMatch(
        /^realMemoryUsedBytes .* is not an integer in 0\.\./,
      );
    // The stream's check compares a repeat with the last believed frozen heartbeat, but for the
    // sequence, the time and the real memory: those it checks on every repeat.
    const check = new HeartbeatCheck();
    const first = Object.freeze({ ...beat, realMemoryUsedBytes: 4096 });
    expect(check.rejection(subject, first, true)).toBeUndefined();
    const repeat = (sequence: number, realMemoryUsedBytes: unknown) =>
      check.rejection(subject, Object.freeze({ ...first, sequence, realMemoryUsedBytes }), true);
    expect(repeat(18, 8192)).toBeUndefined();
    expect(repeat(19, "lots")).toMatch(/^realMemoryUsedBytes "lots" is not an integer/);
    expect(repeat(20, 12_288)).toBeUndefined();
  });

  it("drops what is not a heartbeat at all", () => {
    expect(heartbeatRejection(subject, null)).toMatch(/not a JSON object/);
    expect(heartbeatRejection(subject, { ...beat, address: "evil host" })).toMatch(/address/);
    expect(heartbeatRejection(subject, { ...beat, address: "a:99999" })).toMatch(/port/);
    expect(heartbeatRejection(subject, { ...beat, address: "sim://h1" })).toBeUndefined();
    expect(heartbeatRejection(subject, { ...beat, address: "sim://a b" })).toMatch(/address/);
    expect(heartbeatRejection(subject, { ...beat, hvm: "yes" })).toMatch(/hvm/);
    expect(heartbeatRejection("xsim.host.a.b.heartbeat", beat)).toMatch(/not a heartbeat subject/);
    for (const subject of [
      "xsim.host.heartbeat",
      "xsim.host..heartbeat",
      "xsim.hosts.h1.heartbeat",
      "xsim.host.h1.heartbeats",
      "nats.host.h1.heartbeat",
      "xsim.host.h1.heartbeat.",
    ])
      expect(heartbeatRejection(subject, beat), subject).toMatch(/not a heartbeat subject/);
  });
});
