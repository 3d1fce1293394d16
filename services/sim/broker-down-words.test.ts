import { describe, expect, it } from "vitest";
import { SimCluster, SCHEDULER_ID } from "./cluster.js";
import { SimUser } from "./sim-user.js";
import { SIM_BROKER_NAME } from "./sim-bus.js";
import { listAll } from "../scheduler/list-all.js";
import { brokerOutageNote } from "../scheduler/broker-outage.js";

/**
 * The broker down: the scheduler hears no heartbeat and declares every host down, yet the hosts run
 * on. Its refusals and listings say so, the broker first, instead of blaming the hosts ("no host
 * fits: h1 down; h2 down"); a host that died before the outage is still just down.
 */
const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
  { hostId: "h3", memoryMib: 2048 },
];
/** Past three missed heartbeats at the default interval (1 s): every silent host is declared down. */
const PAST_EXPIRY_MS = 5000;

const cfg = (name: string) => `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\n`;
const broker = SIM_BROKER_NAME.replace(/[()]/g, "\\$&");

async function clusterWithH3Dead() {
  const cluster = await SimCluster.start({ seed: 7, hosts: HOSTS });
  const user = new SimUser(cluster);
  await cluster.run(user.create(cfg("web"), "web.cfg"));
  cluster.killHost("h3");
  await cluster.idle(PAST_EXPIRY_MS);
  return { cluster, user };
}

describe("the broker down: the scheduler's words name it", () => {
  it("a create and a migrate are refused naming the broker first; the host dead before is not excused", async () => {
    const { cluster, user } = await clusterWithH3Dead();
    cluster.brokerDown();
    await cluster.idle(PAST_EXPIRY_MS);

    const create = await cluster.run(user.create(cfg("db"), "db.cfg").catch((e: Error) => e));
    expect(create).toBeInstanceOf(Error);
    expect((create as Error).message).toMatch(
      new RegExp(
        `^no host fits "db": ${broker} is unreachable from the scheduler for [45]\\.\\d s: hosts' heartbeats ` +
          `cannot arrive, so h1 and h2 may still run; nothing was changed \\(h1 down; h2 down; h3 down\\)$`,
      ),
    );
    const migrate = await cluster.run(user.migrate("web").catch((e: Error) => e));
    expect((migrate as Error).message).toMatch(
      new RegExp(
        `^no domain "web" runs on any host that is up: ${broker} is unreachable .* so h1 and h2 may still run; nothing was changed$`,
      ),
    );
    const listed = await cluster.run(listAll(cluster.scheduler!));
    expect(listed.unreachableHostIds).toEqual(["h1", "h2", "h3"]);
    expect(listed.brokerNote).toMatch(new RegExp(`^${broker} is unreachable .* so h1 and h2 may still run$`));

    const logged = cluster.log.filter((l) => l.source === SCHEDULER_ID).map((l) => l.text);
    expect(logged).toContain(
      `${SIM_BROKER_NAME} is unreachable: hosts' heartbeats cannot arrive until it is back`,
    );
    expect(
      logged.filter((l) => /^host h[12] is down .*the broker is unreachable from here/.test(l)),
    ).toHaveLength(2);
    expect(logged.filter((l) => /^host h3 is down .*broker/.test(l))).toEqual([]);
  });

  it("once the broker is back: the note says the hosts are coming back, then goes, and a create works", async () => {
    const { cluster, user } = await clusterWithH3Dead();
    cluster.brokerDown();
    await cluster.idle(PAST_EXPIRY_MS);
    cluster.brokerUp();
    expect(brokerOutageNote(cluster.scheduler!)?.note).toMatch(
      new RegExp(
        `^${broker} was unreachable from the scheduler for [45]\\.\\d s until 0\\.0 s ago: hosts' heartbeats are arriving again, so h1 and h2 may be seen up within 3\\.0 s$`,
      ),
    );
    await cluster.idle(PAST_EXPIRY_MS);
    expect(brokerOutageNote(cluster.scheduler!)).toBeUndefined();
    const placed = await cluster.run(user.create(cfg("db"), "db.cfg"));
    expect(["h1", "h2"]).toContain(placed.hostId);
    const refused = await cluster.run(
      user.create(cfg("big"), "big.cfg", ["memory=4096"]).catch((e: Error) => e),
    );
    expect((refused as Error).message).not.toMatch(/nats-server/);
  });
});
