import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";
import { BROKER_ID } from "./network.js";
import {
  clusterWithGuestsOnH2,
  copiesOf,
  protectedConfig,
  refusalOf,
  unprotectedConfig,
} from "./ha-test-guests.js";
import { nameKey } from "../dom0/cluster-names.js";
import { HA_TIMEOUT_MS_DEFAULT, leaseKey, parseLease } from "../contracts/lease.js";
import { NothingChangedError } from "../dom0/errors.js";

/**
 * `xsim host-declare-dead` (docs/specs/ha.md §7) in the one-process cluster: a host lost with HA
 * off leaves its guests' names reserved, and nothing but this verb frees them; a host the cluster
 * sees alive is refused, nothing changed; a host declared dead that was alive after all destroys
 * every guest it ran; with HA on, HA restarts its protected guests, once.
 */
const PAST_T_MS = HA_TIMEOUT_MS_DEFAULT + 2000;

/** The names, HA records and h2's lease as the store holds them (with their revisions). */
function storeNow(cluster: SimCluster): string {
  const entries = [
    ...cluster.kv.entriesNow("name."),
    ...cluster.kv.entriesNow("ha."),
    ...cluster.kv.entriesNow("harestart."),
    [leaseKey("h2"), cluster.kv.peek(leaseKey("h2"))] as const,
  ];
  return JSON.stringify(entries);
}

const refusal = refusalOf;

describe("host-declare-dead with HA off", () => {
  it("frees the names of a dead host's guests: a create of them works, twice writes nothing, its return runs none", async () => {
    const { cluster, user, dnsUuid } = await clusterWithGuestsOnH2(71);
    cluster.killHost("h2");
    await cluster.idle(PAST_T_MS);
    const refused = await refusal(cluster, user.create(protectedConfig("dns"), "dns.cfg"));
    expect(refused.message, "the lost guest keeps its name").toMatch(/already exists in the cluster/);

    const declared = await cluster.run(user.hostDeclareDead("h2"));
    expect(declared).toMatchObject({
      hostId: "h2",
      alreadyDead: false,
      halted: ["dns", "web"],
      restarting: [],
    });
    expect(parseLease(cluster.kv.peek(leaseKey("h2"))?.value ?? "")).toMatchObject({
      state: "revoked",
      declaredDead: true,
    });
    expect(cluster.kv.peek(`ha.${dnsUuid}`), "dns's HA record is dropped").toBeUndefined();
    expect(cluster.kv.peek(nameKey("web"))).toBeUndefined();
    const said = cluster.log.filter((l) => l.source === "scheduler" && /host h2 declared dead/.test(l.text));
    expect(said.map((l) => l.text)).toEqual([
      `host h2 declared dead (lease epoch ${declared.leaseEpoch} revoked) and disabled; halted dns, web; run host-enable h2 once it is repaired`,
    ]);

    const before = storeNow(cluster);
    const again = await cluster.run(user.hostDeclareDead("h2"));
    expect(again).toMatchObject({ alreadyDead: true, halted: [], leaseEpoch: declared.leaseEpoch });
    expect(storeNow(cluster), "the second declaration writes nothing").toBe(before);

    const dns = await cluster.run(user.create(protectedConfig("dns"), "dns.cfg"));
    expect(dns.hostId).not.toBe("h2");
    await cluster.run(user.create(unprotectedConfig("web"), "web.cfg"));
    cluster.restartHost("h2");
    await cluster.idle(10_000);
    expect(copiesOf(cluster, "dns")).toEqual([dns.hostId]);
    expect(copiesOf(cluster, "web")).toHaveLength(1);
    expect(copiesOf(cluster, "web")).not.toContain("h2");
  });

  it("a host declared dead that comes back stays disabled, as XAPI's: no guest lands on it until host-enable", async () => {
    const { cluster, user } = await clusterWithGuestsOnH2(76);
    cluster.killHost("h2");
    await cluster.idle(PAST_T_MS);
    const declared = await cluster.run(user.hostDeclareDead("h2"));
    expect(declared).toMatchObject({ disabled: true, halted: ["dns", "web"] });
    cluster.restartHost("h2");
    await cluster.idle(10_000);
    const scheduler = cluster.schedulerProcess!.scheduler;
    expect(scheduler.view.hosts.get("h2")?.liveness, "back, heartbeating").toBe("up");
    expect(scheduler.disabledHosts.has("h2")).toBe(true);
    // h2 is the emptiest host: spread placement would pick it first were it enabled.
    for (const name of ["a1", "a2", "a3"]) {
      const placed = await cluster.run(user.create(unprotectedConfig(name), `${name}.cfg`));
      expect(placed.hostId, `${name} placed on a disabled host`).not.toBe("h2");
    }
    const before = storeNow(cluster);
    const again = await refusal(cluster, user.hostDeclareDead("h2"));
    expect(again.message, "back: it answers").toMatch(/^cannot declare h2 dead: it is alive/);
    expect(storeNow(cluster)).toBe(before);
    expect(await cluster.run(user.hostEnable("h2")), "it was disabled").toBe(true);
    const placed = await cluster.run(user.create(unprotectedConfig("b1"), "b1.cfg"));
    expect(placed.hostId, "enabled: the emptiest host again").toBe("h2");
  });

  it("a host declared dead while it was alive and cut off destroys every guest it ran once it reaches the store", async () => {
    const { cluster, user } = await clusterWithGuestsOnH2(72);
    cluster.network.partition(["h2"]); // cut from everyone: the cluster cannot tell it from dead
    await cluster.idle(PAST_T_MS);
    expect(copiesOf(cluster, "web"), "HA off: it runs its guests on").toEqual(["h2"]);
    const declared = await cluster.run(user.hostDeclareDead("h2"));
    expect(declared.halted).toEqual(["dns", "web"]);
    const web = await cluster.run(user.create(unprotectedConfig("web"), "web.cfg"));
    cluster.network.heal();
    await cluster.idle(6000); // its next statefile round: the renewal fails, it reads its lease
    expect(copiesOf(cluster, "web")).toEqual([web.hostId]);
    expect(copiesOf(cluster, "dns"), "halted: nothing restarts it").toEqual([]);
    const h2 = cluster.log
      .filter((l) => l.source === "h2" && /declared dead/.test(l.text))
      .map((l) => l.text);
    expect(h2[0]).toMatch(/our lease was revoked by scheduler\.0: this host was declared dead/);
    expect(h2[1]).toMatch(
      /fencing \(lease revoked: the host was declared dead, its guests halted\): destroyed dns, web/,
    );
    expect(cluster.kv.peek(nameKey("web"))?.value).toContain(web.hostId);
  });

  it("refuses a host the cluster sees alive, and changes nothing", async () => {
    const { cluster, user } = await clusterWithGuestsOnH2(73);
    const unknown = await refusal(cluster, user.hostDeclareDead("h9"));
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.message).toBe('no host "h9" (known: h1, h2, h3, h4)');

    const before = storeNow(cluster);
    const heartbeat = await refusal(cluster, user.hostDeclareDead("h2"));
    expect(heartbeat).toBeInstanceOf(NothingChangedError);
    expect(heartbeat.message).toMatch(
      /^cannot declare h2 dead: it is alive: the scheduler had a heartbeat from it \d+\.\d s ago; nothing was changed$/,
    );
    expect(storeNow(cluster)).toBe(before);

    cluster.killHost("h2");
    await cluster.idle(5000); // no heartbeat, but its lease was renewed within T
    const lease = await refusal(cluster, user.hostDeclareDead("h2"));
    expect(lease.message).toMatch(
      /^cannot declare h2 dead: it may be alive: the scheduler saw it renew its HA lease \d+\.\d s ago, less than T = 30 s \(try again in \d+\.\d s\); nothing was changed$/,
    );
    expect(storeNow(cluster)).toBe(before);
  });

  it("refuses a host cut from the broker only, which still answers the scheduler", async () => {
    const { cluster, user } = await clusterWithGuestsOnH2(74);
    cluster.network.partition(["h2"], [BROKER_ID]);
    await cluster.idle(PAST_T_MS); // no heartbeat, no renewal for T
    const before = storeNow(cluster);
    const answering = await refusal(cluster, user.hostDeclareDead("h2"));
    expect(answering.message).toMatch(
      /^cannot declare h2 dead: it is alive: it answers the scheduler at \S+ under lease epoch \S+; nothing was changed$/,
    );
    expect(storeNow(cluster)).toBe(before);
    expect(copiesOf(cluster, "web")).toEqual(["h2"]);
  });
});

describe("host-declare-dead with HA on", () => {
  it("halts the unprotected guests at once and leaves the protected ones to HA, which restarts them once", async () => {
    const haTimeoutMs = 5000;
    const { cluster, user } = await clusterWithGuestsOnH2(75, haTimeoutMs);
    cluster.killHost("h2");
    await cluster.idle(haTimeoutMs + 500); // past T, before HA's own revocation (T + T/2, unseen for T)
    expect(parseLease(cluster.kv.peek(leaseKey("h2"))?.value ?? "")?.state).toBe("live");
    const declared = await cluster.run(user.hostDeclareDead("h2"));
    expect(declared).toMatchObject({ halted: ["web"], restarting: ["dns"], alreadyDead: false });
    await cluster.run(user.create(unprotectedConfig("web"), "web.cfg"));
    await cluster.idle(5000);
    expect(copiesOf(cluster, "dns")).toHaveLength(1);
    expect(copiesOf(cluster, "dns")).not.toContain("h2");
    const restarts = cluster.log.filter((l) => /^HA: restarted dns /.test(l.text));
    expect(restarts, "restarted once").toHaveLength(1);
    expect(cluster.log.some((l) => /lost with h2 \(unprotected\)/.test(l.text))).toBe(false);
    await cluster.idle(3 * haTimeoutMs);
    expect(cluster.log.filter((l) => /^HA: restarted dns /.test(l.text))).toHaveLength(1);
  });
});
