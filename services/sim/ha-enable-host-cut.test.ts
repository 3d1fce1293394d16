import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { BROKER_ID } from "./network.js";
import { SimUser } from "./sim-user.js";
import { copiesOf, HA_TEST_HOSTS, protectedConfig } from "./ha-test-guests.js";
import { HA_CONFIG_KEY, leaseKey, parseHaConfig, parseLease } from "../contracts/lease.js";

/**
 * HA switched on while a host cannot hear of it (docs/specs/ha.md §1, "HA on binds a host only
 * once it knows"): h4, cut from the broker, renewed its lease with HA off a moment before, so its
 * lease passes `ha-enable`'s check, but it cannot read the new setting and runs dns on with HA off:
 * it pings nobody and holds nothing. Before, its peers did not see it and the scheduler revoked its
 * lease and restarted dns while h4's copy ran (VOPR `--ha toggle` seed 26).
 */
const HA_T_MS = 5000;

function h4Lease(cluster: SimCluster) {
  return parseLease(cluster.kv.peek(leaseKey("h4"))?.value ?? "");
}

async function dnsOnH4CutFromTheBroker() {
  const cluster = await SimCluster.start({ seed: 26, hosts: HA_TEST_HOSTS });
  const user = new SimUser(cluster);
  await cluster.idle(2000);
  await cluster.run(user.createOn("h4", protectedConfig("dns"), "dns.cfg"));
  await cluster.idle(2000);
  expect(h4Lease(cluster)?.ha, "HA off: no host writes ha").toBeUndefined();
  cluster.network.partition(["h4"], [BROKER_ID]);
  return { cluster, user };
}

describe("HA switched on while a host cannot hear of it", () => {
  it("ha-enable waits for every host to renew with HA on, and else turns HA off again and refuses", async () => {
    const { cluster, user } = await dnsOnH4CutFromTheBroker();
    await expect(cluster.run(user.haEnable(HA_T_MS))).rejects.toThrow(
      /cannot enable HA: h4 did not renew its lease with HA on within 5 s .*HA is off again/,
    );
    expect(parseHaConfig(cluster.kv.peek(HA_CONFIG_KEY)?.value).enabled).toBe(false);
    await cluster.idle(4 * HA_T_MS);
    expect(copiesOf(cluster, "dns")).toEqual(["h4"]);

    cluster.network.heal();
    await cluster.idle(HA_T_MS);
    expect((await cluster.run(user.haEnable(HA_T_MS))).enabled, "every host hears of it now").toBe(true);
    expect(h4Lease(cluster)?.ha).toBe(true);
  });

  it("a setting left on with a host that never renewed with HA on: the scheduler revokes nothing and turns HA off again", async () => {
    const { cluster, user } = await dnsOnH4CutFromTheBroker();
    // The setting as an enable whose turning back failed would leave it (its scheduler crashed).
    cluster.kv.put(HA_CONFIG_KEY, JSON.stringify({ enabled: true, timeoutMs: HA_T_MS }));
    await cluster.idle(4 * HA_T_MS);
    expect(copiesOf(cluster, "dns"), "dns runs on h4 alone, HA off there").toEqual(["h4"]);
    expect(h4Lease(cluster)?.state).toBe("live");
    expect(parseHaConfig(cluster.kv.peek(HA_CONFIG_KEY)?.value).enabled).toBe(false);
    const log = cluster.log.map((line) => `[${line.source}] ${line.text}`).join("\n");
    expect(log).toMatch(
      /\[scheduler\] HA: h4's lease is not renewed, and its host has not renewed it with HA on since HA was enabled .*HA is off again/,
    );

    cluster.network.heal();
    await cluster.idle(HA_T_MS);
    expect((await cluster.run(user.haEnable(HA_T_MS))).enabled).toBe(true);
    expect(h4Lease(cluster)?.ha, "h4 read HA on and renewed under it").toBe(true);
    expect(copiesOf(cluster, "dns")).toEqual(["h4"]);

    // Bound by HA now: its death restarts dns once.
    cluster.killHost("h4");
    await cluster.idle(4 * HA_T_MS);
    const copies = copiesOf(cluster, "dns");
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^h[123]$/);
  });
});

/** HA on (T = HA_T_MS), then a protected dns on h4, and two T for every lease to be renewed so. */
async function haOnWithDnsOnH4() {
  const cluster = await SimCluster.start({ seed: 27, hosts: HA_TEST_HOSTS });
  const user = new SimUser(cluster);
  await cluster.idle(2000);
  expect((await cluster.run(user.haEnable(HA_T_MS))).enabled).toBe(true);
  await cluster.run(user.createOn("h4", protectedConfig("dns"), "dns.cfg"));
  await cluster.idle(2 * HA_T_MS);
  return { cluster, user };
}

describe("ha-enable again on a cluster where HA is on", () => {
  it("writes nothing, so every host stays armed: a host killed right after is revoked and its guest restarted once", async () => {
    const { cluster, user } = await haOnWithDnsOnH4();
    expect(h4Lease(cluster)?.ha).toBe(true);
    const settingRevision = cluster.kv.peek(HA_CONFIG_KEY)?.revision;

    expect((await cluster.run(user.haEnable(HA_T_MS))).enabled).toBe(true);
    expect(cluster.kv.peek(HA_CONFIG_KEY)?.revision, "the setting is not written again").toBe(
      settingRevision,
    );
    cluster.killHost("h4");
    await cluster.idle(6 * HA_T_MS);
    expect(parseHaConfig(cluster.kv.peek(HA_CONFIG_KEY)?.value).enabled, "HA stays on").toBe(true);
    const copies = copiesOf(cluster, "dns");
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^h[123]$/);
  });
});

describe("ha-enable re-applied while HA is on (a tool that applies the setting every so often)", () => {
  it("forgets no lease observation: the leases stay live, and a dead host's guest is still restarted", async () => {
    const { cluster, user } = await haOnWithDnsOnH4();

    const again = await cluster.run(user.haEnable(HA_T_MS));
    expect(again.hosts.map((h) => h.state)).toEqual(again.hosts.map(() => "live"));
    cluster.killHost("h4");
    // Re-applied every T/2: before, each one reset the scheduler's observation of every lease, so
    // h4's never stayed unrenewed for T + margin and dns was never restarted.
    for (let round = 0; round < 12; round++) {
      await cluster.idle(HA_T_MS / 2);
      expect((await cluster.run(user.haEnable(HA_T_MS))).enabled).toBe(true);
    }
    const copies = copiesOf(cluster, "dns");
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^h[123]$/);
  });
});
