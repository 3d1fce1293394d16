import { afterEach, describe, expect, it, vi } from "vitest";
import { HA_CONFIG_KEY, leaseKey } from "../contracts/lease.js";
import { SimCluster } from "./cluster.js";
import { BROKER_ID, NO_FAULTS } from "./network.js";
import { SimStatefile } from "./sim-kv.js";

/**
 * With HA off a host's round skips reading the HA setting while its watch vouches for it, and reads
 * it again once the watch may have missed a change (docs/specs/ha.md §3): every change is learnt,
 * pushed at once or read by the next round.
 */
const HOSTS = [
  { hostId: "h1", memoryMib: 1024 },
  { hostId: "h2", memoryMib: 1024 },
  { hostId: "h3", memoryMib: 1024 },
];
/** HA off at the default T = 30 s: a round every 3 renew intervals of 4 s. */
const ROUND_INTERVAL_MS = 12_000;
const STEP_MS = 100;
const HA_ON = JSON.stringify({ enabled: true, timeoutMs: 30_000 });

/** Each host's reads of the HA setting from the statefile, in order. */
function countSettingReads(): string[] {
  const reads: string[] = [];
  type Read = (this: SimStatefile, key: string) => ReturnType<SimStatefile["read"]>;
  const read = Object.getOwnPropertyDescriptor(SimStatefile.prototype, "read")!.value as Read;
  vi.spyOn(SimStatefile.prototype, "read").mockImplementation(function (this: SimStatefile, key: string) {
    if (key === HA_CONFIG_KEY) reads.push((this as unknown as { processId: string }).processId);
    return read.call(this, key);
  });
  return reads;
}

/** Lets time pass until `hostId` renews its lease: its round just ran, the next is a round away. */
async function untilRenewed(cluster: SimCluster, hostId: string): Promise<void> {
  const before = cluster.kv.peekWrittenAtMs(leaseKey(hostId));
  for (let waitedMs = 0; waitedMs <= 2 * ROUND_INTERVAL_MS; waitedMs += STEP_MS) {
    await cluster.idle(STEP_MS);
    if (cluster.kv.peekWrittenAtMs(leaseKey(hostId)) !== before) return;
  }
  throw new Error(`${hostId} did not renew its lease in ${2 * ROUND_INTERVAL_MS} ms`);
}

function readsOf(reads: string[], hostId: string): number {
  return reads.filter((id) => id === hostId).length;
}

function enabledAtMs(cluster: SimCluster, hostId: string): number | undefined {
  return cluster.log.find((l) => l.source === hostId && l.text.startsWith("HA: enabled"))?.atMs;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("HA off: the setting read by the round only when the watch may have missed a change", () => {
  it("the watch intact: each host reads the setting once (its first round), and renews its lease every round", async () => {
    const reads = countSettingReads();
    const cluster = await SimCluster.start({ seed: 3, hosts: HOSTS });
    await cluster.idle(5 * ROUND_INTERVAL_MS);
    for (const { hostId } of HOSTS) {
      expect(readsOf(reads, hostId), hostId).toBe(1);
      const renewedAtMs = cluster.kv.peekWrittenAtMs(leaseKey(hostId))!;
      expect(cluster.clock.nowMs() - renewedAtMs, `${hostId} renewed within a round`).toBeLessThanOrEqual(
        ROUND_INTERVAL_MS,
      );
    }
  });

  it("the broker down and back (the watch's connection lost, nothing written): every host reads the setting again in its next round", async () => {
    const reads = countSettingReads();
    const cluster = await SimCluster.start({ seed: 4, hosts: HOSTS });
    await cluster.idle(2 * ROUND_INTERVAL_MS);
    const before = HOSTS.map(({ hostId }) => readsOf(reads, hostId));
    cluster.brokerDown();
    await cluster.idle(1000);
    cluster.brokerUp();
    await cluster.idle(2 * ROUND_INTERVAL_MS);
    HOSTS.forEach(({ hostId }, i) => expect(readsOf(reads, hostId), hostId).toBeGreaterThan(before[i]!));
  });

  it("HA enabled while the host is cut from the broker between two rounds (the push lost, no round failed): its next round reads it", async () => {
    const cluster = await SimCluster.start({ seed: 5, hosts: HOSTS });
    await cluster.idle(2 * ROUND_INTERVAL_MS);
    await untilRenewed(cluster, "h1");
    cluster.network.partition(["h1"], [BROKER_ID]);
    cluster.kv.put(HA_CONFIG_KEY, HA_ON);
    await cluster.idle(1000);
    cluster.network.heal();
    const healedAtMs = cluster.clock.nowMs();
    expect(enabledAtMs(cluster, "h1"), "h1 missed the push").toBeUndefined();
    expect(enabledAtMs(cluster, "h2"), "h2 got the push").toBeDefined();
    await cluster.idle(ROUND_INTERVAL_MS);
    const learntAtMs = enabledAtMs(cluster, "h1");
    expect(learntAtMs, "h1 read the setting in its next round").toBeDefined();
    expect(learntAtMs! - healedAtMs).toBeLessThan(ROUND_INTERVAL_MS);
  });

  it("HA enabled while the network drops every message (the push dropped, the host never cut): its next round reads it", async () => {
    const cluster = await SimCluster.start({ seed: 6, hosts: HOSTS });
    await cluster.idle(2 * ROUND_INTERVAL_MS);
    await untilRenewed(cluster, "h1");
    cluster.network.faults = { ...NO_FAULTS, dropRate: 1 };
    cluster.kv.put(HA_CONFIG_KEY, HA_ON);
    cluster.network.faults = NO_FAULTS;
    await cluster.idle(STEP_MS);
    expect(enabledAtMs(cluster, "h1"), "the push was dropped").toBeUndefined();
    await cluster.idle(ROUND_INTERVAL_MS);
    expect(enabledAtMs(cluster, "h1"), "h1 read the setting in its next round").toBeDefined();
  });

  it("HA enabled with the watch intact: every host learns it from the push at once, before its next round", async () => {
    const cluster = await SimCluster.start({ seed: 7, hosts: HOSTS });
    await cluster.idle(2 * ROUND_INTERVAL_MS);
    await untilRenewed(cluster, "h1");
    const writtenAtMs = cluster.clock.nowMs();
    cluster.kv.put(HA_CONFIG_KEY, HA_ON);
    await cluster.idle(STEP_MS);
    for (const { hostId } of HOSTS) expect(enabledAtMs(cluster, hostId), hostId).toBe(writtenAtMs);
  });
});
