import { describe, expect, it } from "vitest";
import { SimulatedClock, type Clock } from "../../core/clock.js";
import { runSimulation } from "../../core/simulation.js";
import type { EngineScheduler } from "../../dom0/migrate/stream-sink.js";
import { createGuest, simScheduler } from "../../dom0/migrate/sim-harness.js";
import { Host } from "../../host/host.js";
import {
  migrationConformance,
  outboundRequest,
  type MigrationPairOptions,
} from "../../host/migration.case.js";
import type { Statefile } from "../../contracts/statefile.js";
import { SystemClock } from "../../wiring/system-clock.js";
import { SYSTEM_SCHEDULER } from "../../wiring/system-scheduler.js";
import { MemoryMigrationNetwork } from "./memory-links.js";
import { migrationCancelConformance } from "../../host/migration-cancel.case.js";

const SPEC = { pcpuCount: 4, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };

function linkedHosts(
  clock: Clock,
  engine: EngineScheduler,
  seed: number,
  options: MigrationPairOptions = {},
): { source: Host; destination: Host } {
  const network = new MemoryMigrationNetwork();
  const host = (hostId: string, hostSeed: number, statefile?: Statefile) => {
    const address = `mem:${hostId}`;
    const made = new Host({
      spec: { ...SPEC, hostId },
      dom0: { memoryMib: 256, vcpus: 1 },
      seed: hostSeed,
      clock,
      engine,
      bus: undefined,
      links: network.links(address),
      address: () => address,
      heartbeatIntervalMs: 1000,
      // HA: pings go unanswered (no peer here); the statefile is the case's.
      ...(statefile ? { statefile, ping: () => Promise.resolve(undefined) } : {}),
    });
    network.attach(address, made);
    return made;
  };
  return { source: host("src", seed), destination: host("dst", seed + 1, options.destinationStatefile) };
}

/** Two Hosts on the system clock, linked in memory: the pair both conformance suites run on. */
function memoryPair(options?: MigrationPairOptions) {
  const { source, destination } = linkedHosts(new SystemClock(), SYSTEM_SCHEDULER, 1, options);
  source.start();
  destination.start();
  return Promise.resolve({
    source,
    destination,
    unreachableAddress: "mem:nowhere",
    close: () => {
      source.stop();
      destination.stop();
      return Promise.resolve();
    },
  });
}

migrationConformance("in-memory links", memoryPair);

migrationCancelConformance("in-memory links (Host.cancelMigration)", memoryPair, (host, domain, reason) =>
  Promise.resolve().then(() => host.cancelMigration(domain, reason)),
);

describe("two Hosts under one simulated clock", () => {
  async function migrateOnce(seed: number) {
    const clock = new SimulatedClock();
    const { source, destination } = linkedHosts(clock, simScheduler(clock), seed);
    source.start();
    destination.start();
    createGuest(source.toolstack, "web", 32, "wws:hot=4M,rate=4000");
    await runSimulation(clock, new Promise<void>((resolve) => clock.setTimer(500, resolve)));
    const stats = await runSimulation(clock, source.migrate(outboundRequest("web", destination.address)));
    source.stop();
    destination.stop();
    const moved = destination.toolstack.requireDomain("web");
    return { stats, checksum: destination.toolstack.domainOf(moved).memory.checksum(), endMs: clock.nowMs() };
  }

  it("migrate a busy guest through the whole handshake, and replay it exactly from the seed", async () => {
    const first = await migrateOnce(11);
    expect(first.stats.status).toBe("completed");
    expect(first.stats.dirtySyncCount).toBeGreaterThan(1);
    expect(first.stats.bytesTransferred).toBeGreaterThan(0);
    const again = await migrateOnce(11);
    expect(again).toEqual(first);
  });
});

describe("MemoryMigrationNetwork.partitioned", () => {
  /** A network whose notices wait until `fire()`: the instant keepalive gives up. */
  function rig() {
    const pending: Array<() => void> = [];
    const network = new MemoryMigrationNetwork(undefined, (_observer, _gone, notice) => pending.push(notice));
    const seen: string[] = [];
    const connect = (a: string, b: string) =>
      network.open(
        new Map([
          [a, (error: Error) => seen.push(`${a}: ${error.message}`)],
          [b, (error: Error) => seen.push(`${b}: ${error.message}`)],
        ]),
      );
    const fire = () => pending.splice(0).forEach((notice) => notice());
    return { network, seen, connect, fire };
  }

  it("breaks an idle connection across a partition at both ends once keepalive gives up", () => {
    const { network, seen, connect, fire } = rig();
    connect("a", "b");
    connect("a", "c");
    network.partitioned((x, y) => [x, y].includes("b"));
    expect(seen, "nothing before keepalive gives up").toEqual([]);
    fire();
    expect(seen).toEqual([
      "a: the connection to b was lost (no keepalive answer across a network partition)",
      "b: the connection to a was lost (no keepalive answer across a network partition)",
    ]);
    expect(network.connectionCount, "a-c is not across the cut").toBe(1);
  });

  it("breaks nothing when the partition healed, or the connection closed, before keepalive gave up", () => {
    const { network, seen, connect, fire } = rig();
    connect("a", "b");
    const close = connect("a", "c");
    let cut = true;
    network.partitioned(() => cut);
    cut = false;
    close();
    fire();
    expect(seen).toEqual([]);
    expect(network.connectionCount).toBe(1);
  });

  it("fails the source's pending Go at its own end, though the destination's end noticed the cut first", async () => {
    // Both ends notice at the same instant, the destination's first: its notice marked the channel
    // failed and swallowed the source's, whose Go never got an answer (VOPR seed 41).
    const pending: Array<() => void> = [];
    const network = new MemoryMigrationNetwork(undefined, (_observer, _gone, notice) => pending.push(notice));
    let lostCount = 0;
    network.attach("dst", {
      receive: (channel) => ({
        prepare: () => channel.prepared({ incomingToken: "t", incomingDomid: 7, destinationHostId: "dst" }),
        go: () => undefined,
        abort: () => undefined,
        lost: () => void lostCount++,
      }),
      attachPull: () => undefined,
      incomingStatus: () => "aborted",
    });
    const peer = network.links("src").destination("dst");
    await peer.prepare({
      migrationId: "m",
      sourceAddress: "src",
      sourceHostId: "src",
      pullToken: "p",
      configJson: "{}",
      name: "web",
      uuid: "u",
      memoryKib: 1024,
    });
    const answer = peer.go("t", false).then(
      () => "committed",
      (error: Error) => error.message,
    );
    network.partitioned(() => true);
    pending.splice(0).forEach((notice) => notice());
    // Whatever settles it does so in microtasks: setImmediate comes after them all.
    const noAnswer = new Promise<string>((resolve) => setImmediate(() => resolve("no answer")));
    expect(await Promise.race([answer, noAnswer])).toBe(
      "the connection to dst was lost (no keepalive answer across a network partition)",
    );
    expect(lostCount, "the destination's session is lost once").toBe(1);
    expect(await peer.incomingStatus("m"), "asked afresh once the cut healed").toBe("aborted");
  });
});
