import { describe, expect, it } from "vitest";
import { MigrateRequest } from "../gen/xensim/v1/migration.js";
import type { ReceiveChannel } from "../dom0/migrate/receive-session.js";
import { SimCluster } from "./cluster.js";
import { LINK_LOSS_NOTICE_MS } from "./network.js";
import { simAddress } from "./sim-host.js";

/**
 * A migration's source killed (a power cut) while its destination holds NAME--incoming: the
 * destination learns it as over gRPC, when keepalive finds the connection dead
 * (LINK_LOSS_NOTICE_MS), and aborts the incoming copy unless it had committed (docs/specs/
 * migration-protocol.md, ownership rules 1 and 2). Before, the in-memory links told the
 * destination nothing and it kept its paused NAME--incoming for ever (VOPR seed 31).
 */
const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
];
const WEB_CREATE = {
  configText: 'name = "web"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\n',
  configFileName: "web.cfg",
  overrides: [],
  paused: false,
};

type Step = keyof Pick<ReceiveChannel, "prepared" | "received" | "committed">;
/** Each message's latency mid-stream: the stream takes round trips, in which the destination sends nothing. */
const LINK_DELAY_MS = 40;

/** Starts migrating web h1 -> h2 and kills h1 `afterMs` after h2 answers `step` on the control channel. */
async function killSourceAt(step: Step, afterMs = 0, linkDelayMs = 0): Promise<SimCluster> {
  const cluster = await SimCluster.start({ seed: 9, hosts: HOSTS, withScheduler: false });
  const source = cluster.host("h1");
  await cluster.run(source.create(WEB_CREATE));
  cluster.network.faults = { ...cluster.network.faults, delayMsMin: linkDelayMs, delayMsMax: linkDelayMs };
  const destination = cluster.host("h2").host;
  const receive = destination.receive.bind(destination);
  let killed: () => void = () => undefined;
  const killedNow = new Promise<void>((resolve) => (killed = resolve));
  destination.receive = (channel) =>
    receive({
      ...channel,
      [step]: (info: never) => {
        channel[step](info);
        cluster.clock.setTimer(afterMs, () => {
          cluster.killHost("h1");
          killed();
        });
      },
    });
  const request = MigrateRequest.fromPartial({ domain: "web", destination: simAddress("h2"), live: true });
  void source.migrate(request, () => undefined).catch(() => undefined);
  await cluster.run(killedNow);
  return cluster;
}

function namesOn(cluster: SimCluster, hostId: string): string[] {
  const toolstack = cluster.host(hostId).toolstack;
  return [...toolstack.records.values()].filter((r) => r.domid !== 0).map((r) => r.name);
}

describe("a migration whose source dies (in-memory links, as over gRPC)", () => {
  it("mid-stream: the destination, sending nothing, aborts NAME--incoming once keepalive notices, not before", async () => {
    const cluster = await killSourceAt("prepared", 3 * LINK_DELAY_MS, LINK_DELAY_MS);
    expect(namesOn(cluster, "h2")).toEqual(["web--incoming"]);
    await cluster.idle(LINK_LOSS_NOTICE_MS - 1);
    expect(namesOn(cluster, "h2"), "keepalive has not noticed yet").toEqual(["web--incoming"]);
    await cluster.idle(2);
    expect(namesOn(cluster, "h2"), "the incoming copy is destroyed").toEqual([]);
    expect(cluster.links.connectionCount, "no connection left open").toBe(0);
  });

  it("in the handover window (Received sent, no Go): the destination aborts NAME--incoming", async () => {
    const cluster = await killSourceAt("received");
    expect(namesOn(cluster, "h2")).toEqual(["web--incoming"]);
    await cluster.idle(LINK_LOSS_NOTICE_MS + 1);
    expect(namesOn(cluster, "h2")).toEqual([]);
  });

  it("after Go: the destination committed and keeps running the guest", async () => {
    const cluster = await killSourceAt("committed");
    await cluster.idle(3 * LINK_LOSS_NOTICE_MS);
    expect(namesOn(cluster, "h2")).toEqual(["web"]);
    const toolstack = cluster.host("h2").toolstack;
    const { domid } = toolstack.requireDomain("web");
    expect(toolstack.hypervisor.requireDomain(domid).paused, "running, not paused").toBe(false);
  });

  it("a migration that completes leaves no connection open", async () => {
    const cluster = await SimCluster.start({ seed: 9, hosts: HOSTS, withScheduler: false });
    const source = cluster.host("h1");
    await cluster.run(source.create(WEB_CREATE));
    const request = MigrateRequest.fromPartial({ domain: "web", destination: simAddress("h2"), live: true });
    const stats = await cluster.run(source.migrate(request, () => undefined));
    expect(stats.status).toBe("completed");
    await cluster.idle(10);
    expect(cluster.links.connectionCount).toBe(0);
  });
});
