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

/**
 * Starts migrating web h1 -> h2; when h2 answers Received (the whole stream verified, waiting for
 * Go), h1 stalls for `stallMs` (its Go not sent yet) and is cut from h2: the control channel is
 * idle, nothing is sent on it from either end. `migrated`: how h1's migrate ended ("completed",
 * or the error's message).
 */
async function cutWhileWaitingForGo(
  stallMs: number,
): Promise<{ cluster: SimCluster; migrated: Promise<string> }> {
  const cluster = await SimCluster.start({ seed: 9, hosts: HOSTS, withScheduler: false });
  const source = cluster.host("h1");
  await cluster.run(source.create(WEB_CREATE));
  const destination = cluster.host("h2").host;
  const receive = destination.receive.bind(destination);
  let cut: () => void = () => undefined;
  const cutNow = new Promise<void>((resolve) => (cut = resolve));
  destination.receive = (channel) =>
    receive({
      ...channel,
      received: (info) => {
        cluster.stall("h1", stallMs);
        channel.received(info);
        // Once Received is across (a cut would lose it in flight, and h2 would learn that way).
        cluster.clock.setTimer(1, () => {
          cluster.network.partition(["h1"], ["h2"]);
          cut();
        });
      },
    });
  const request = MigrateRequest.fromPartial({ domain: "web", destination: simAddress("h2"), live: true });
  const migrated = source
    .migrate(request, () => undefined)
    .then(
      (stats) => stats.status,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  await cluster.run(cutNow);
  return { cluster, migrated };
}

describe("an idle migration connection cut by a network partition (in-memory links, as keepalive over gRPC)", () => {
  it("the destination waiting for Go aborts NAME--incoming once keepalive gives up, not before", async () => {
    // Before, a connection across a partition broke only when something was sent on it: the
    // destination, which sends nothing while it waits for Go, kept its paused web--incoming (h1,
    // awake again, sent Go into the cut and learnt it; h2 never did).
    const { cluster } = await cutWhileWaitingForGo(3 * LINK_LOSS_NOTICE_MS);
    expect(namesOn(cluster, "h2")).toEqual(["web--incoming"]);
    await cluster.idle(LINK_LOSS_NOTICE_MS - 1);
    expect(namesOn(cluster, "h2"), "keepalive has not given up yet").toEqual(["web--incoming"]);
    await cluster.idle(2);
    expect(namesOn(cluster, "h2"), "the incoming copy is destroyed").toEqual([]);
    await cluster.idle(4 * LINK_LOSS_NOTICE_MS);
    expect(namesOn(cluster, "h2"), "nothing of web on h2").toEqual([]);
    // h1, awake, handled Received first and sent Go into the cut: it cannot know whether Go
    // arrived and nobody answers, so it keeps the guest paused as web--migratedaway (status
    // unknown, migration-protocol.md): never two copies, and nothing runs on h2.
    expect(namesOn(cluster, "h1"), "the source holds its copy, handover unknown").toEqual([
      "web--migratedaway",
    ]);
    expect(cluster.links.connectionCount, "no connection left open").toBe(0);
  });

  it("the source, awake before keepalive gives up, sent Go into the cut: it learns at its own end, asks, and resumes once the destination answers", async () => {
    // Both ends of the cut channel notice at the same instant, the destination's first. Before,
    // its notice marked the channel failed for both ends and the source's own notice was
    // swallowed: Go's answer never came, the migration never ended, and web--migratedaway stayed
    // paused for ever, though h2 had aborted (VOPR seed 41: db, h2 -> h4).
    const { cluster, migrated } = await cutWhileWaitingForGo(LINK_LOSS_NOTICE_MS / 2);
    let outcome: string | undefined;
    void migrated.then((text) => (outcome = text));
    await cluster.idle(LINK_LOSS_NOTICE_MS + 1);
    expect(namesOn(cluster, "h2"), "the destination aborted").toEqual([]);
    expect(namesOn(cluster, "h1"), "the source asks what became of Go").toEqual(["web--migratedaway"]);
    expect(outcome, "still asking: the destination cannot be reached").toBeUndefined();
    cluster.network.heal();
    expect(await cluster.run(migrated)).toMatch(
      /the destination did not take the guest over; it runs on here/,
    );
    expect(namesOn(cluster, "h1")).toEqual(["web"]);
    const toolstack = cluster.host("h1").toolstack;
    const { domid } = toolstack.requireDomain("web");
    expect(toolstack.hypervisor.requireDomain(domid).paused, "running again").toBe(false);
    expect(cluster.links.connectionCount, "no connection left open").toBe(0);
  });
});
