import { describe, expect, it } from "vitest";
import { SCHEDULER_ID, SimCluster } from "./cluster.js";

/**
 * The scheduler's own stall (its event loop blocked: a loaded machine, SIGSTOP). Its expiry check
 * then runs late, before it has read the heartbeats that waited behind it; before, it declared
 * every host silent for the stall down at once, and a create in that moment was refused "no
 * hosts" (seen in a fresh-clone CI at load 9). Silence is not counted across its own sleep now.
 */
const HOST_IDS = ["h1", "h2", "h3"];

async function cluster(seed: number): Promise<SimCluster> {
  return SimCluster.start({ seed, hosts: HOST_IDS.map((hostId) => ({ hostId, memoryMib: 1024 })) });
}

const downLines = (c: SimCluster) =>
  c.log.filter((l) => l.source === SCHEDULER_ID && / is down \(no heartbeat/.test(l.text)).map((l) => l.text);

describe("a scheduler that slept", () => {
  it("declares no live host down for the time it slept itself, and says it slept", async () => {
    const c = await cluster(21);
    await c.idle(2000);
    c.stall(SCHEDULER_ID, 8000);
    await c.idle(10_000);
    expect(downLines(c)).toEqual([]);
    expect(
      c.log.some((l) => l.source === SCHEDULER_ID && /^slept \d+ ms: no host is declared down/.test(l.text)),
    ).toBe(true);
    expect(c.scheduler!.view.upHosts().map((h) => h.hostId)).toEqual(HOST_IDS);
  });

  it("still declares a host down that is silent while it is awake", async () => {
    const c = await cluster(22);
    await c.idle(2000);
    c.killHost("h2");
    c.stall(SCHEDULER_ID, 8000);
    await c.idle(10_000);
    expect(downLines(c)).toEqual([expect.stringMatching(/^host h2 is down/)]);
    expect(c.scheduler!.view.upHosts().map((h) => h.hostId)).toEqual(["h1", "h3"]);
  });
});
