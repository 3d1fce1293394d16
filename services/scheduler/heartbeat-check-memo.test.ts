import { describe, expect, it } from "vitest";
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
});
