import { describe, expect, it, vi } from "vitest";
import { HA_CONFIG_KEY, leaseKey, parseHaConfig } from "../contracts/lease.js";
import { SCHEDULER_ID, SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";
import { NothingChangedError } from "../dom0/errors.js";
import { HA_ENABLE_DECISION_MS_MAX, haStatusOn } from "../scheduler/ha-admin.js";
import { HA_ROUND_SLOW_LOG_MS } from "../scheduler/ha-monitor.js";

/**
 * `xsim ha-enable` with leases the scheduler has not seen renewed (docs/specs/ha.md §1). A scheduler
 * that just started, or that read the statefile again after an outage, has seen every lease once
 * and none renewed: `ha-status` calls them `unconfirmed`. One may be the lease a host wrote before
 * it died. Before, `ha-enable` took such a lease for a live host (first read less than T + T/2
 * ago) and enabled HA with a dead host in the cluster; and it decided on whatever round had last
 * read the leases, or on none at all while a round was under way.
 */
const HA_T_MS = 3000;
const HOST_IDS = ["h1", "h2", "h3"];

async function clusterWithHaOff(seed: number): Promise<{ cluster: SimCluster; user: SimUser }> {
  const cluster = await SimCluster.start({
    seed,
    hosts: HOST_IDS.map((hostId) => ({ hostId, memoryMib: 1024 })),
  });
  await cluster.idle(60_000); // every lease renewed while this scheduler watched
  return { cluster, user: new SimUser(cluster) };
}

const haConfig = (cluster: SimCluster) => parseHaConfig(cluster.kv.peek(HA_CONFIG_KEY)?.value);
const revisions = (cluster: SimCluster) => HOST_IDS.map((id) => cluster.kv.peek(leaseKey(id))?.revision);

describe("ha-enable with unconfirmed leases", () => {
  it("a dead host's lease, read afresh by a restarted scheduler: refused, naming the host", async () => {
    const { cluster, user } = await clusterWithHaOff(11);
    cluster.killHost("h3");
    cluster.crashScheduler();
    await cluster.run(cluster.restartScheduler());
    const askedMs = cluster.clock.nowMs();
    const refusal = await cluster.run(
      user.haEnable(HA_T_MS).then(
        () => "enabled",
        (error: unknown) => String(error),
      ),
    );
    expect(refusal).toMatch(
      /cannot enable HA: the lease of h3 is unconfirmed: the scheduler has not seen it renewed since it began observing \(\d+\.\d s ago\) and its host did not answer under it; nothing was changed$/,
    );
    expect(haConfig(cluster).enabled, "HA still off").toBe(false);
    expect(cluster.clock.nowMs() - askedMs, "decided within its bound").toBeLessThanOrEqual(
      HA_ENABLE_DECISION_MS_MAX,
    );
  });

  it("a round stuck in the statefile: refused UNAVAILABLE within the bound, naming what it waits for; enabled once it ends", async () => {
    const { cluster, user } = await clusterWithHaOff(16);
    const statefile = cluster.schedulerProcess!.options.statefile;
    const readAll = statefile.readAll.bind(statefile);
    let unstick!: () => void;
    const stuck = new Promise<void>((r) => (unstick = r));
    const spy = vi.spyOn(statefile, "readAll").mockImplementation(async (prefix) => {
      await stuck;
      return readAll(prefix);
    });
    await cluster.idle(5000); // the monitor's next round is stuck reading the leases
    const askedMs = cluster.clock.nowMs();
    const error = await cluster.run(
      user.haEnable(HA_T_MS).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(NothingChangedError);
    expect((error as NothingChangedError).code).toBe("UNAVAILABLE");
    expect((error as Error).message).toMatch(
      /^the scheduler's HA round has been under way for \d+\.\d s \(reading the HA setting and the leases\); nothing was changed, try again$/,
    );
    expect(cluster.clock.nowMs() - askedMs).toBeLessThanOrEqual(HA_ENABLE_DECISION_MS_MAX);
    expect(haConfig(cluster).enabled, "HA still off").toBe(false);
    expect(HA_ROUND_SLOW_LOG_MS).toBeLessThan(HA_ENABLE_DECISION_MS_MAX);
    expect(
      cluster.log.some((l) =>
        /^HA: the scheduler's HA round has been under way for 1\d\.\d s \(reading/.test(l.text),
      ),
      "the stuck round is logged, naming its phase",
    ).toBe(true);
    const monitor = cluster.schedulerProcess!.ha;
    const statusError = await cluster.run(
      haStatusOn(monitor, cluster.schedulerProcess!.scheduler.clock).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(statusError, "ha-status too").toBeInstanceOf(NothingChangedError);
    expect((statusError as Error).message).toMatch(/^the scheduler's HA round has been under way for/);
    spy.mockRestore();
    unstick();
    const state = await cluster.run(user.haEnable(HA_T_MS));
    expect(state.enabled).toBe(true);
  });

  it("live hosts right after the scheduler's restart: enabled at once, each host answering under its lease", async () => {
    const { cluster, user } = await clusterWithHaOff(12);
    cluster.crashScheduler();
    await cluster.run(cluster.restartScheduler());
    const atRestart = revisions(cluster);
    // The leases as the setting is written: the enable then waits for every host to renew with HA
    // on (docs/specs/ha.md §1), so the renewals it did not wait for are seen only at that moment.
    let atSetting: (number | undefined)[] = [];
    const put = cluster.kv.put.bind(cluster.kv);
    const spy = vi.spyOn(cluster.kv, "put").mockImplementation((key: string, value: string) => {
      if (key === HA_CONFIG_KEY && atSetting.length === 0) atSetting = revisions(cluster);
      return put(key, value);
    });
    const state = await cluster.run(user.haEnable(HA_T_MS));
    spy.mockRestore();
    expect(state.enabled).toBe(true);
    expect(haConfig(cluster)).toEqual({ enabled: true, timeoutMs: HA_T_MS });
    const renewed = atSetting.map((r, i) => r !== atRestart[i]);
    expect(renewed, "no renewal waited for").toContain(false);
  });

  it("a live host the scheduler cannot reach: enabled once its renewal is seen", async () => {
    const { cluster, user } = await clusterWithHaOff(15);
    cluster.network.partition(["h3"], [SCHEDULER_ID]);
    cluster.crashScheduler();
    await cluster.run(cluster.restartScheduler());
    const atRestart = revisions(cluster);
    const state = await cluster.run(user.haEnable(HA_T_MS));
    expect(state.enabled).toBe(true);
    expect(revisions(cluster)[2], "h3 renewed its lease before HA was enabled").not.toBe(atRestart[2]);
  });

  it("decides on a round begun after the call, not on the one under way", async () => {
    const { cluster } = await clusterWithHaOff(13);
    const monitor = cluster.schedulerProcess!.ha;
    const observe = vi.spyOn(monitor.observer, "observe");
    const underWay = monitor.round();
    const fresh = monitor.freshRound();
    await cluster.run(underWay);
    expect(observe, "the round under way read the leases").toHaveBeenCalledTimes(1);
    await cluster.run(fresh);
    expect(observe, "a second round read them for freshRound").toHaveBeenCalledTimes(2);
    const status = haStatusOn(monitor, cluster.schedulerProcess!.scheduler.clock);
    await cluster.run(status);
    expect(observe, "ha-status reads them afresh too").toHaveBeenCalledTimes(3);
  });

  it("one lease listing past its deadline (a loaded broker): read again, and enabled", async () => {
    const { cluster, user } = await clusterWithHaOff(15);
    const statefile = cluster.schedulerProcess!.options.statefile;
    const readAll = statefile.readAll.bind(statefile);
    let failedCount = 0;
    const spy = vi.spyOn(statefile, "readAll").mockImplementation(async (prefix) => {
      if (failedCount++ === 0) throw new Error("listing the keys lease.>: no end within 2000 ms (TIMEOUT)");
      return readAll(prefix);
    });
    const outcome = await cluster.run(
      user.haEnable(HA_T_MS).then(
        () => "enabled",
        (error: unknown) => String(error),
      ),
    );
    spy.mockRestore();
    expect(outcome).toBe("enabled");
    expect(failedCount, "the failed listing, then the rounds that read").toBeGreaterThan(1);
    expect(haConfig(cluster).enabled).toBe(true);
  });

  it("every round fails: refused with the last round's reason, nothing changed", async () => {
    const { cluster, user } = await clusterWithHaOff(17);
    const statefile = cluster.schedulerProcess!.options.statefile;
    let failedCount = 0;
    const spy = vi.spyOn(statefile, "readAll").mockImplementation(() => {
      failedCount++;
      return Promise.reject(
        new Error(`listing the keys lease.>: no end within 2000 ms (TIMEOUT) #${failedCount}`),
      );
    });
    const refusal = await cluster.run(
      user.haEnable(HA_T_MS).then(
        () => "enabled",
        (error: unknown) => String(error),
      ),
    );
    spy.mockRestore();
    expect(refusal).toMatch(
      /cannot read the hosts' HA leases from the state store now \(3 rounds, the last: listing the keys lease\.>: no end within 2000 ms \(TIMEOUT\) #\d+\); nothing was changed, try again/,
    );
    expect(haConfig(cluster).enabled).toBe(false);
  });

  it("the state store unreachable: refused UNAVAILABLE, nothing changed", async () => {
    const { cluster, user } = await clusterWithHaOff(14);
    cluster.brokerDown();
    const refusal = await cluster.run(
      user.haEnable(HA_T_MS).then(
        () => "enabled",
        (error: unknown) => String(error),
      ),
    );
    expect(refusal).toMatch(
      /cannot read the hosts' HA leases from the state store now \(3 rounds, the last: .+\); nothing was changed, try again/,
    );
    cluster.brokerUp();
    await cluster.idle(5000);
    expect(haConfig(cluster).enabled).toBe(false);
  });
});
