import { describe, expect, it } from "vitest";
import { haRecordKey, type HaRecord } from "../contracts/ha-record.js";
import type { SimCluster } from "./cluster.js";
import type { SimUser } from "./sim-user.js";
import { clusterWithGuestOn, copiesOf } from "./ha-test-guests.js";

/**
 * A scheduler's migrate of a protected guest while a migration the scheduler does not know of runs
 * (docs/specs/ha.md §5, "One trace per migration under way"): one a user started straight on the
 * source (`xsim -H h1 migrate`), or one a previous scheduler process started. The scheduler's trace
 * never replaces the running one's: the source refuses the second ("already being migrated") and
 * the record keeps the first destination, so when that destination dies with the guest after the
 * handover, HA restarts it. Before, the scheduler wrote `migratingTo` h3 over h2 before h1 refused,
 * and HA, whose record named h1 and h3, never restarted the guest lost with h2 (VOPR seed 124's
 * class).
 */
const HA_T_MS = 3000;
/** Past the lost host's revocation (T + T/2 of silence) and its restart round, with room. */
const RECOVERY_MS = 30_000;
const SECOND_REFUSAL = "domain db is already being migrated";

/** db's HA record as the store holds it. */
function record(cluster: SimCluster, uuid: string): HaRecord | undefined {
  const entry = cluster.kv.peek(haRecordKey(uuid));
  return entry ? (JSON.parse(entry.value) as HaRecord) : undefined;
}

/** Where db and its migration stand-ins run. */
function copies(cluster: SimCluster): string[] {
  return ["db", "db--incoming", "db--migratedaway"].flatMap((name) =>
    copiesOf(cluster, name).map((hostId) => `${name}@${hostId}`),
  );
}

async function startWithDb(): Promise<{ cluster: SimCluster; user: SimUser; dbUuid: string }> {
  const { cluster, user } = await clusterWithGuestOn(5, HA_T_MS, "h1", "db");
  const dbUuid = cluster.host("h1").toolstack.requireDomain("db").uuid;
  expect(record(cluster, dbUuid), "db's HA record").toBeDefined();
  return { cluster, user, dbUuid };
}

/** Lets the simulation run until h1's migration of db to h2 is under way with its trace written. */
async function untilTraced(cluster: SimCluster, dbUuid: string): Promise<void> {
  while (record(cluster, dbUuid)?.migratingTo !== "h2") await cluster.idle(10);
  // Paused at both ends: the last round is in, Go not sent.
  expect(copies(cluster), "under way").toEqual(["db@h1(p)", "db--incoming@h2(p)"]);
}

/**
 * The first migration goes on: it commits on h2 with the broker down (nobody moves the record),
 * then h2 dies with db, its only copy.
 */
async function commitThenLoseH2(cluster: SimCluster, goOn: () => void): Promise<void> {
  cluster.brokerDown();
  goOn();
  while (!copies(cluster).includes("db@h2")) await cluster.idle(100);
  expect(copies(cluster)).toEqual(["db@h2"]);
  cluster.killHost("h2");
  await cluster.idle(1000);
  cluster.brokerUp();
  await cluster.idle(RECOVERY_MS);
}

function expectRestartedOnce(cluster: SimCluster): void {
  const db = copies(cluster).filter((c) => c.startsWith("db@"));
  expect(db, "restarted exactly once, on a surviving host").toHaveLength(1);
  expect(db[0]).not.toBe("db@h2");
  const restarts = cluster.log.filter((line) => /^HA: restarted db \(restart\) on h\d$/.test(line.text));
  expect(restarts.map((line) => line.text)).toHaveLength(1);
}

describe("a scheduler's migrate of a protected guest whose source runs a migration of it already", () => {
  it("a direct migration under way (xsim -H h1 migrate): refused, the record keeps its destination; lost with it, HA restarts db once", async () => {
    const { cluster, user, dbUuid } = await startWithDb();
    const goOn = holdReceived(cluster, "h2");
    const first = user.migrateOn("h1", "db", "h2");
    first.catch(() => undefined);
    await untilTraced(cluster, dbUuid);
    await expect(cluster.run(user.migrate("db", "h3"))).rejects.toThrow(SECOND_REFUSAL);
    expect(record(cluster, dbUuid), "the first's trace, as it was").toMatchObject({
      hostId: "h1",
      migratingTo: "h2",
    });
    expect(cluster.log.map((line) => line.text)).toContain(
      "HA record of db names a migration to h2: left as it is, h1 refuses while that one runs",
    );
    await commitThenLoseH2(cluster, goOn);
    expect((await first).status).toBe("completed");
    expectRestartedOnce(cluster);
  });

  it("a previous scheduler's migration under way: the restarted scheduler's migrate is refused, the record keeps its destination; lost with it, HA restarts db once", async () => {
    const { cluster, user, dbUuid } = await startWithDb();
    const goOn = holdReceived(cluster, "h2");
    const first = user.migrate("db", "h2");
    first.catch(() => undefined);
    await untilTraced(cluster, dbUuid);
    const traced = record(cluster, dbUuid);
    expect(traced?.migratingToEpoch, "the scheduler's trace, with h2's epoch").toBeDefined();
    cluster.crashScheduler();
    await cluster.run(cluster.restartScheduler());
    await cluster.idle(2000); // the new scheduler reads the hosts
    expect(copies(cluster), "still under way").toEqual(["db@h1(p)", "db--incoming@h2(p)"]);
    await expect(cluster.run(user.migrate("db", "h3"))).rejects.toThrow(SECOND_REFUSAL);
    expect(record(cluster, dbUuid), "the first's trace, as it was").toMatchObject({
      hostId: "h1",
      migratingTo: "h2",
      migratingToEpoch: traced?.migratingToEpoch,
    });
    await commitThenLoseH2(cluster, goOn);
    expectRestartedOnce(cluster);
  });
});

/**
 * Holds `hostId`'s answer Received (the whole stream in, before Go) until the returned function is
 * called: the migration stays under way, its trace written, for as long as the test needs.
 */
function holdReceived(cluster: SimCluster, hostId: string): () => void {
  const destination = cluster.host(hostId).host;
  const receive = destination.receive.bind(destination);
  let release: (() => void) | undefined;
  let released = false;
  destination.receive = (channel) =>
    receive({
      ...channel,
      received: (info) => {
        if (released) return channel.received(info);
        release = () => channel.received(info);
      },
    });
  return () => {
    released = true;
    release?.();
  };
}
