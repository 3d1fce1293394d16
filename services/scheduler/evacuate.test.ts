import { describe, it, expect } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { EVACUATE_ATTEMPT_COUNT_MAX, evacuate, resumeEvacuations } from "./evacuate.js";
import { OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT } from "../dom0/migrate/migration-manager.js";
import { MemoryStore } from "../contracts/state-store.js";
import { startSimRig, type SimRig } from "./sim-rig.js";

const OP_KEY = "op.evacuate.h1";

async function rigWith(guestCount: number, store = new MemoryStore()): Promise<SimRig> {
  const rig = await startSimRig(
    [
      { hostId: "h1", memoryMib: 4096 },
      { hostId: "h2", memoryMib: 2048 },
      { hostId: "h3", memoryMib: 2048 },
    ],
    { store },
  );
  for (let i = 1; i <= guestCount; i++) rig.cluster.addGuest("h1", { name: `g${i}`, memoryMib: 128 });
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  return rig;
}

function runEvacuation(rig: SimRig, parallel: number, bandwidth = "") {
  const events: OperationEvent[] = [];
  const done = rig.run(evacuate(rig.scheduler, "h1", { parallel, bandwidth }, (e) => events.push(e)));
  return { events, done };
}

describe("evacuate", () => {
  it("moves every domain off, leaves the host disabled and empty, and says so last", async () => {
    const rig = await rigWith(5);
    const { events, done } = runEvacuation(rig, 2);
    expect(await done).toBe(true);
    expect(rig.cluster.host("h1").domains).toEqual([]);
    expect(rig.cluster.placements().map((p) => p.split("@")[0])).toEqual(["g1", "g2", "g3", "g4", "g5"]);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    expect(await rig.store.get("host.h1")).toBe("disabled");
    const last = events.at(-1);
    expect(last).toMatchObject({ kind: "done", final: true, ok: true });
    expect(events.filter((e) => e.kind === "migrate" && e.ok)).toHaveLength(5);
    await rig.stop();
  });

  it("runs at most `parallel` migrations at once, and does run that many", async () => {
    const rig = await rigWith(7);
    const { done } = runEvacuation(rig, 1);
    expect(await done).toBe(true);
    expect(rig.cluster.migrationsInFlightMax).toBe(1);
    await rig.stop();
  });

  it("queues past the source's outbound limit (MigrationSlots) instead of failing", async () => {
    const rig = await rigWith(7);
    const { done } = runEvacuation(rig, 5);
    expect(await done).toBe(true);
    expect(rig.cluster.migrationsInFlightMax).toBe(OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT);
    expect(rig.cluster.host("h1").domains).toEqual([]);
    await rig.stop();
  });

  it("finishes when the source runs fewer outbound migrations than asked, however long each takes", async () => {
    const rig = await rigWith(6);
    rig.cluster.outboundCountMax = 2;
    rig.cluster.migrationMs = 5000;
    const { events, done } = runEvacuation(rig, 10);
    expect(await done, events.at(-1)?.message).toBe(true);
    expect(rig.cluster.host("h1").domains).toEqual([]);
    expect(rig.cluster.migrationsInFlightMax).toBe(2);
    await rig.stop();
  });

  it("waits while the only destination is at its migration limit", async () => {
    const rig = await startSimRig([
      { hostId: "h1", memoryMib: 4096 },
      { hostId: "h2", memoryMib: 4096 },
    ]);
    for (let i = 1; i <= 5; i++) rig.cluster.addGuest("h1", { name: `g${i}`, memoryMib: 128 });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    rig.cluster.outboundCountMax = 2;
    rig.cluster.migrationMs = 1500;
    const { events, done } = runEvacuation(rig, 5);
    expect(await done, events.at(-1)?.message).toBe(true);
    expect(rig.cluster.placements()).toHaveLength(5);
    expect(rig.cluster.host("h1").domains).toEqual([]);
    await rig.stop();
  });

  it("does not call a host evacuated while it is declared down, and carries on when it is back", async () => {
    const rig = await rigWith(4);
    rig.cluster.migrationMs = 1000;
    rig.cluster.host("h1").silent = true;
    const { events, done } = runEvacuation(rig, 1);
    expect(await done).toBe(false);
    expect(events.at(-1)?.message).toMatch(/could not move: g\d: h1 is down/);
    expect(rig.cluster.host("h1").domains.length).toBeGreaterThan(0);

    rig.cluster.host("h1").silent = false;
    const again = runEvacuation(rig, 1);
    const back = rig.clock.nowMs();
    rig.clock.setTimer(700, () => (rig.cluster.host("h1").silent = true));
    rig.clock.setTimer(1500, () => (rig.cluster.host("h1").silent = false));
    expect(await again.done, again.events.at(-1)?.message).toBe(true);
    expect(rig.clock.nowMs() - back).toBeGreaterThan(1500);
    expect(rig.log.filter((line) => line.startsWith("host h1 is down"))).toHaveLength(2);
    expect(rig.cluster.host("h1").domains).toEqual([]);
    await rig.stop();
  });

  it("writes the operation to the store before any migration and removes it at the end", async () => {
    const rig = await rigWith(3);
    const seen: Array<string | undefined> = [];
    rig.cluster.onMigrateStart = () => void rig.store.get(OP_KEY).then((value) => seen.push(value));
    const { done } = runEvacuation(rig, 2, "10MB/s");
    expect(await done).toBe(true);
    const uuids = ["uuid-g1", "uuid-g2", "uuid-g3"];
    const op = { parallel: 2, bandwidth: "10MB/s", policy: "", uuids };
    expect(seen).toEqual(Array(3).fill(JSON.stringify(op)));
    expect(rig.cluster.migrateCalls.map((c) => c.bandwidth)).toEqual(Array(3).fill("10MB/s"));
    expect(await rig.store.get(OP_KEY)).toBeUndefined();
    await rig.stop();
  });

  it("fails naming a domain no other host can take, after moving the others", async () => {
    const rig = await rigWith(2);
    rig.cluster.addGuest("h1", { name: "huge", memoryMib: 3000 });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const { events, done } = runEvacuation(rig, 10);
    expect(await done).toBe(false);
    const last = events.at(-1);
    expect(last).toMatchObject({ kind: "failed", final: true, ok: false });
    expect(last?.message).toMatch(/could not move: huge: no host fits "huge"/);
    expect(last?.message).not.toMatch(/g1|g2/);
    expect(rig.cluster.host("h1").domains.map((d) => d.name)).toEqual(["huge"]);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    expect(await rig.store.get(OP_KEY)).toBeUndefined();
    await rig.stop();
  });

  it("retries a failing migration a bounded number of times, then names it", async () => {
    const rig = await rigWith(2);
    rig.cluster.failingMigrations.add("g2");
    const { events, done } = runEvacuation(rig, 1);
    expect(await done).toBe(false);
    expect(events.at(-1)?.message).toBe("could not move: g2: injected failure");
    expect(rig.cluster.migrateCalls.filter((c) => c.domain === "g2")).toHaveLength(
      EVACUATE_ATTEMPT_COUNT_MAX,
    );
    expect(rig.cluster.placements()).toContain("g2@h1");
    await rig.stop();
  });

  it("refuses an unknown host without touching the store", async () => {
    const rig = await rigWith(1);
    await expect(rig.run(evacuate(rig.scheduler, "h9", { parallel: 2 }, () => undefined))).rejects.toThrow(
      /no host "h9"/,
    );
    expect(await rig.store.keys("")).toEqual(expect.not.arrayContaining(["op.evacuate.h9", "host.h9"]));
    await rig.stop();
  });
});

describe("resumeEvacuations", () => {
  it("finishes an evacuation found in the store", async () => {
    const store = new MemoryStore();
    await store.put(OP_KEY, JSON.stringify({ parallel: 2, bandwidth: "5MB/s" }));
    const rig = await rigWith(4, store);
    const events: OperationEvent[] = [];
    await rig.run(resumeEvacuations(rig.scheduler, (e) => events.push(e)));
    expect(rig.cluster.host("h1").domains).toEqual([]);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    expect(rig.cluster.migrationsInFlightMax).toBe(2);
    expect(new Set(rig.cluster.migrateCalls.map((c) => c.bandwidth))).toEqual(new Set(["5MB/s"]));
    expect(await store.get(OP_KEY)).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ kind: "done", ok: true });
    expect(rig.log).toContain("resuming the evacuation of h1");
    await rig.stop();
  });

  it("leaves alone an evacuation this scheduler is running, and refuses a second one", async () => {
    const rig = await rigWith(3);
    rig.cluster.migrationMs = 1000;
    const { done } = runEvacuation(rig, 1);
    await rig.idle(500);
    await expect(rig.run(evacuate(rig.scheduler, "h1", { parallel: 1 }, () => undefined))).rejects.toThrow(
      /h1 is already being evacuated/,
    );
    await rig.run(resumeEvacuations(rig.scheduler, () => undefined));
    expect(await done).toBe(true);
    expect(rig.cluster.migrateCalls.map((c) => c.domain)).toEqual(["g1", "g2", "g3"]);
    expect(rig.scheduler.evacuationsRunning.size).toBe(0);
    await rig.stop();
  });

  it("waits for a host it has not seen yet, keeping the operation", async () => {
    const store = new MemoryStore();
    await store.put("op.evacuate.h7", JSON.stringify({ parallel: 2 }));
    const rig = await rigWith(1, store);
    await rig.run(resumeEvacuations(rig.scheduler, () => undefined));
    expect(await store.get("op.evacuate.h7")).toBeDefined();
    expect(rig.log).toContain("evacuation of h7 pending: host not seen yet");
    await rig.stop();
  });
});
