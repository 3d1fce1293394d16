import { describe, expect, it } from "vitest";
import { haRecordKey, type HaRecord } from "../contracts/ha-record.js";
import { SimCluster } from "./cluster.js";
import { SimUser } from "./sim-user.js";
import { copiesOf, HA_TEST_HOSTS, protectedConfig } from "./ha-test-guests.js";

/** A protected guest that fills its memory (its stream is about its 64 MiB). */
const DB = `${protectedConfig("db")}xsim_workload = "fill"\n`;

/**
 * A migration of a protected guest cancelled while the store is unreachable: its source cannot
 * clear the trace (`migratingTo`, docs/specs/ha.md §5) it wrote before the first page. Before, that
 * one failed write ("HA record of db still names h2: ...") left the trace for good: the record
 * named h2 while db ran on h1 alone, the reconcile listed h2 every 5 s for it, and never dropped
 * the record of a guest gone from h1 (a trace means "it may run on h2").
 */
const HA_T_MS = 10_000;
/** A 64 MiB guest under this limit migrates for about 8 s: cancelled well inside. */
const SLOW = "8MB/s";
/** The broker down this long: shorter than T, no host fences. */
const OUTAGE_MS = 3000;

function record(cluster: SimCluster, uuid: string): HaRecord | undefined {
  const entry = cluster.kv.peek(haRecordKey(uuid));
  return entry ? (JSON.parse(entry.value) as HaRecord) : undefined;
}

describe("a cancelled migration whose trace could not be cleared", () => {
  it("has its trace cleared once the store answers again; the guest runs on where it was", async () => {
    const cluster = await SimCluster.start({ seed: 7, hosts: HA_TEST_HOSTS, haTimeoutMs: HA_T_MS });
    const user = new SimUser(cluster);
    await cluster.idle(2000);
    const db = await cluster.run(user.createOn("h1", DB, "db.cfg"));
    await cluster.idle(2000); // recorded, and filled
    const migrating = user.migrateOn("h1", "db", "h2", SLOW).then(
      (last) => last.status,
      (error: unknown) => String(error),
    );
    await cluster.idle(1000);
    expect(record(cluster, db.uuid)?.migratingTo, "the trace, written before the first page").toBe("h2");
    cluster.brokerDown();
    await cluster.run(user.migrateCancel("h1", "db"));
    expect(await cluster.run(migrating)).toMatch(/the migration of db was cancelled/);
    await cluster.idle(OUTAGE_MS);
    cluster.brokerUp();
    await cluster.idle(3 * HA_T_MS);
    expect(record(cluster, db.uuid)).toMatchObject({ hostId: "h1", name: "db" });
    expect(record(cluster, db.uuid)?.migratingTo, "the trace is gone").toBeUndefined();
    expect(copiesOf(cluster, "db")).toEqual(["h1"]);
    const log = cluster.log.map((line) => `[${line.source}] ${line.text}`).join("\n");
    expect(log).toMatch(
      /\[h1\] HA record of db still names h2: the cluster's state store cannot be reached \(get: TIMEOUT\); tried again every 5 s\n[^]*\[h1\] HA record of db no longer names h2/,
    );
  });
});
