import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { clusterWithGuestsOnH2, copiesOf, protectedConfig, refusalOf } from "./ha-test-guests.js";
import { nameKey } from "../dom0/cluster-names.js";
import { HA_TIMEOUT_MS_DEFAULT } from "../contracts/lease.js";
import { NothingChangedError, ToolstackError } from "../dom0/errors.js";

/**
 * `xsim vm-reset-powerstate NAME --force` (docs/specs/ha.md §8) in the one-process cluster: a
 * protected guest lost with its host while HA is off keeps its name and HA record, down until
 * ha-enable; the verb marks it halted in the records only (both freed), so that a create of it
 * works again. Refused, nothing changed, without --force, for a name no guest holds, while its
 * host may run it, and with HA on.
 */
const PAST_T_MS = HA_TIMEOUT_MS_DEFAULT + 2000;

/** dns (protected) and web on h2, HA off unless `haTimeoutMs`, the scheduler up to date. */
const clusterWithDnsOnH2 = clusterWithGuestsOnH2;

/** The names and HA records as the store holds them (with their revisions). */
function storeNow(cluster: SimCluster): string {
  return JSON.stringify([...cluster.kv.entriesNow("name."), ...cluster.kv.entriesNow("ha.")]);
}

async function refusal(cluster: SimCluster, work: Promise<unknown>): Promise<ToolstackError> {
  const error = await refusalOf(cluster, work);
  expect(error).toBeInstanceOf(NothingChangedError);
  return error;
}

describe("vm-reset-powerstate with HA off", () => {
  it("halts a guest lost with its dead host: its record and name freed, a create of it works, its host's return runs none", async () => {
    const { cluster, user, dnsUuid } = await clusterWithDnsOnH2(81);
    cluster.killHost("h2");
    await cluster.idle(PAST_T_MS);
    const held = await cluster.run(user.create(protectedConfig("dns"), "dns.cfg").catch((e: unknown) => e));
    expect(String(held), "the lost guest keeps its name").toMatch(/already exists in the cluster/);

    const before = storeNow(cluster);
    const unforced = await refusal(cluster, user.vmResetPowerState("dns", false));
    expect(unforced.code).toBe("FAILED_PRECONDITION");
    expect(unforced.message).toBe(
      "cannot reset the power state of dns: vm-reset-powerstate needs --force: it marks dns halted in the " +
        "cluster's records only (its HA record and name freed) without reaching h2; should dns in fact still " +
        "run there (h2 cut off, not dead), a create of dns makes a second guest of that name; nothing was changed",
    );
    expect(storeNow(cluster)).toBe(before);

    const reset = await cluster.run(user.vmResetPowerState("dns"));
    expect(reset).toMatchObject({ name: "dns", uuid: dnsUuid, hostId: "h2", halted: true });
    expect(reset.lostBecause).toMatch(
      /^h2 is dead: no heartbeat, no answer, its HA lease \(epoch \S+\) unchanged for T$/,
    );
    expect(cluster.kv.peek(`ha.${dnsUuid}`)).toBeUndefined();
    expect(cluster.kv.peek(nameKey("dns"))).toBeUndefined();
    const said = cluster.log.filter((l) => l.source === "scheduler" && /^vm-reset-powerstate: /.test(l.text));
    expect(said.map((l) => l.text)).toEqual([
      `vm-reset-powerstate: dns (${dnsUuid}) reset to halted: its HA record and name freed; it ran on h2: ${reset.lostBecause}`,
    ]);

    const unknown = await refusal(cluster, user.vmResetPowerState("dns"));
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.message).toMatch(/^no guest "dns" in the cluster's records: its name is free/);

    const dns = await cluster.run(user.create(protectedConfig("dns"), "dns.cfg"));
    expect(dns.hostId).not.toBe("h2");
    cluster.restartHost("h2");
    await cluster.idle(10_000);
    expect(copiesOf(cluster, "dns")).toEqual([dns.hostId]);
  });

  it("halts a guest whose host came back under a new lease epoch without it", async () => {
    const { cluster, user, dnsUuid } = await clusterWithDnsOnH2(82);
    cluster.killHost("h2");
    await cluster.idle(3000);
    cluster.restartHost("h2");
    await cluster.idle(10_000);
    expect(copiesOf(cluster, "dns"), "lost with HA off: down").toEqual([]);
    expect(cluster.kv.peek(`ha.${dnsUuid}`), "its record stays, until ha-enable").toBeDefined();
    const reset = await cluster.run(user.vmResetPowerState("dns"));
    expect(reset.halted).toBe(true);
    expect(reset.lostBecause).toMatch(/^h2 came back under lease epoch \S+ without it \(it ran under \S+\)$/);
    await cluster.run(user.create(protectedConfig("dns"), "dns.cfg"));
    await cluster.idle(5000);
    expect(copiesOf(cluster, "dns")).toHaveLength(1);
  });

  it("refuses a guest whose host runs it or may: alive, answering, or renewed within T", async () => {
    const { cluster, user } = await clusterWithDnsOnH2(83);
    const before = storeNow(cluster);
    const listed = await refusal(cluster, user.vmResetPowerState("dns"));
    expect(listed.message).toMatch(
      /^cannot reset the power state of dns: it is not lost: the scheduler lists it on h2 \(domid \d+\); nothing was changed$/,
    );
    cluster.network.partition(["h2"], ["broker"]);
    await cluster.idle(PAST_T_MS); // no heartbeat, no renewal: only its answer tells it is alive
    const scheduler = cluster.schedulerProcess!.scheduler;
    expect(scheduler.view.hosts.get("h2")?.liveness).toBe("down");
    const answering = await refusal(cluster, user.vmResetPowerState("dns"));
    expect(answering.message).toMatch(
      /^cannot reset the power state of dns: it runs on h2: h2 answers the scheduler and lists it as dns \(domid \d+\); nothing was changed$/,
    );
    cluster.network.heal();
    await cluster.idle(15_000); // back: it renews its lease
    cluster.killHost("h2");
    await cluster.idle(5000);
    const fresh = await refusal(cluster, user.vmResetPowerState("dns"));
    expect(fresh.message).toMatch(
      /^cannot reset the power state of dns: its host h2 may still run it: it may be alive: the scheduler saw it renew its HA lease \d+\.\d s ago, less than T = 30 s \(try again in \d+\.\d s\); nothing was changed$/,
    );
    expect(storeNow(cluster)).toBe(before);
  });

  it("racing its host's return: halted or refused, never a copy beside a new one", async () => {
    for (const delayMs of [0, 40, 400]) {
      const { cluster, user } = await clusterWithDnsOnH2(84 + delayMs);
      cluster.killHost("h2");
      await cluster.idle(PAST_T_MS);
      const reset = user.vmResetPowerState("dns").then(
        (r) => (r.halted ? "halted" : "HA"),
        (e: unknown) => String(e),
      );
      cluster.clock.setTimer(delayMs, () => cluster.restartHost("h2"));
      const outcome = await cluster.run(reset);
      expect(outcome, `restart ${delayMs} ms after`).toBe("halted");
      await cluster.run(user.create(protectedConfig("dns"), "dns.cfg"));
      await cluster.idle(10_000);
      expect(copiesOf(cluster, "dns")).toHaveLength(1);
    }
  });
});

describe("vm-reset-powerstate with HA on", () => {
  it("refuses a protected guest: HA restarts it", async () => {
    const { cluster, user } = await clusterWithDnsOnH2(85, 5000);
    cluster.killHost("h2");
    await cluster.idle(5500); // past T, before HA's revocation
    const before = storeNow(cluster);
    const refused = await refusal(cluster, user.vmResetPowerState("dns"));
    expect(refused.message).toBe(
      "cannot reset the power state of dns: HA is on and it is protected: HA restarts it once its host's lease is revoked (ha-disable first to keep it down); nothing was changed",
    );
    expect(storeNow(cluster)).toBe(before);
  });
});
