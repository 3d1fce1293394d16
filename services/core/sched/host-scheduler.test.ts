import { describe, expect, it, vi } from "vitest";
import { XenError } from "../errors.js";
import { Prng } from "../prng.js";
import { demandShape } from "./demand/index.js";
import { cpuSeconds, runFor, testHost } from "./test-host.js";

const NS_PER_MS = 1_000_000;

describe("HostScheduler", () => {
  it("runs a pinned vCPU only on its pCPUs, and moves a running one when re-pinned", () => {
    const host = testHost("credit2", 4, [{ domid: 1, vcpus: 2, pin: [3] }, { domid: 2 }]);
    const pcpusSeen = new Set<number>();
    const record = () => host.vcpus(1).forEach((v) => v.runState === "running" && pcpusSeen.add(v.pcpu));
    runFor(host, 500, 1, record);
    expect([...pcpusSeen]).toEqual([3]);
    expect(cpuSeconds(host, 1)).toBeCloseTo(0.5, 6); // two vCPUs share one pCPU
    pcpusSeen.clear();
    host.pin(1, 0, [1]);
    host.assertConsistent();
    runFor(host, 500, 1, record);
    expect([...pcpusSeen].sort()).toEqual([1, 3]);
    expect(host.vcpus(1)[0]!.hardAffinity.format()).toBe("1");
  });

  it("refuses a bad pin whole and names what is wrong", () => {
    const host = testHost("credit", 4, [{ domid: 1, vcpus: 2 }]);
    expect(() => host.pin(1, 0, [4])).toThrow("pCPU 4 does not exist (0..3)");
    expect(() => host.pin(1, 0, [])).toThrow("an empty hard affinity");
    expect(() => host.pin(1, 2, [0])).toThrow("domain 1 has vCPUs 0..1, not 2");
    expect(() => host.pin(1, "all", [0, 9])).toThrow(XenError);
    expect(host.vcpus(1).map((v) => v.hardAffinity.format())).toEqual(["all", "all"]);
  });

  it("gives offline vCPUs and paused domains no CPU, and shows them offline", () => {
    const host = testHost("credit", 4, [
      { domid: 1, vcpus: 4 },
      { domid: 2, vcpus: 2 },
    ]);
    host.setVcpusOnline(1, 1);
    host.setDomainActive(2, false);
    runFor(host, 1000);
    expect(host.vcpus(1).map((v) => v.runState)).toEqual(["running", "offline", "offline", "offline"]);
    expect(host.vcpus(1).map((v) => v.cpuTimeNs)).toEqual([1000 * NS_PER_MS, 0, 0, 0]);
    expect(host.vcpus(2).map((v) => v.runState)).toEqual(["offline", "offline"]);
    expect(cpuSeconds(host, 2)).toBe(0);
    host.setDomainActive(2, true);
    runFor(host, 1000);
    expect(cpuSeconds(host, 2)).toBeCloseTo(2, 6);
  });

  it("shows a vCPU that waits for its device as blocked, and a preempted one as runnable", () => {
    const host = testHost("credit", 1, [
      { domid: 1, demand: "io:burst=100us,sleep=1s" },
      { domid: 2 },
      { domid: 3 },
    ]);
    runFor(host, 500);
    expect(host.vcpus(1)[0]!.runState).toBe("blocked");
    const states = [host.vcpus(2)[0]!.runState, host.vcpus(3)[0]!.runState].sort();
    expect(states).toEqual(["runnable", "running"]);
  });

  it("takes a removed domain off its pCPUs at once", () => {
    const host = testHost("credit2", 1, [{ domid: 1 }, { domid: 2 }]);
    runFor(host, 100);
    const [gone, kept] = host.vcpus(1)[0]!.runState === "running" ? [1, 2] : [2, 1];
    const keptBeforeNs = host.domainCpuTimeNs(kept);
    host.removeDomain(gone);
    host.assertConsistent();
    runFor(host, 100);
    expect(host.domids()).toEqual([kept]);
    expect(host.domainCpuTimeNs(kept) - keptBeforeNs).toBe(100 * NS_PER_MS);
  });

  it("slows a throttled vCPU as QEMU's auto-converge does: 10 ms running, then p/(1-p) of it asleep", () => {
    const host = testHost("credit2", 2, [{ domid: 1 }]);
    host.setThrottle(1, 0.6);
    runFor(host, 5000);
    expect(cpuSeconds(host, 1) / 5).toBeCloseTo(0.4, 2);
    host.setThrottle(1, 0);
    host.setDemand(1, demandShape({ kind: "cpu" }));
    runFor(host, 1000);
    expect(cpuSeconds(host, 1)).toBeCloseTo(2 + 1, 2);
  });

  it("adds a domain's vCPUs in order, unpinned, without Array.from (V8's slow path for an array-like)", () => {
    const host = testHost("credit", 4, []);
    const setup = { vcpuCountMax: 3, params: { weight: 256, cap: 0 }, demand: demandShape({ kind: "cpu" }) };
    const from = vi.spyOn(Array, "from");
    try {
      host.addDomain(1, { ...setup, prng: new Prng(1) });
      expect(from).not.toHaveBeenCalled();
      expect(host.vcpus(1).map((v) => [v.vcpuId, v.hardAffinity.format()])).toEqual([
        [0, "all"],
        [1, "all"],
        [2, "all"],
      ]);
    } finally {
      from.mockRestore();
    }
  });
});
