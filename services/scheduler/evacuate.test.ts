import { describe, it, expect } from "vitest";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { EVACUATE_ATTEMPT_COUNT_MAX, evacuate, resumeEvacuations } from "./evacuate.js";
import { OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT } from "../dom0/migrate/migration-manager.js";
import { rigUuid, SchedulerRig } from "../sim/scheduler-rig.js";
import { MigrateRequest } from "../gen/xensim/v1/migration.js";

const OP_KEY = "op.evacuate.h1";

/**
 * Guests whose migrations take simulated time: 32 MiB, filled (a stream of about 34 MB), moved
 * under a bandwidth limit.
 */
const FILLED = { memoryMib: 32, workload: "fill" };
/** One migration of a FILLED guest takes about a second under this limit. */
const ABOUT_A_SECOND = "32MB/s";
/** Well inside such a migration's stream. */
const CANCEL_AFTER_MS = 300;

async function rigWith(
  guestCount: number,
  state: Record<string, string> = {},
  guest: { memoryMib: number; workload?: string } = { memoryMib: 128 },
): Promise<SchedulerRig> {
  const rig = await SchedulerRig.start(
    [
      { hostId: "h1", memoryMib: 4096 },
      { hostId: "h2", memoryMib: 2048 },
      { hostId: "h3", memoryMib: 2048 },
    ],
    { state },
  );
  for (let i = 1; i <= guestCount; i++) rig.addGuest("h1", { name: `g${i}`, ...guest });
  if (guest.workload) await rig.idle(500); // filled
  await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
  return rig;
}

function runEvacuation(rig: SchedulerRig, parallel: number, bandwidth = "") {
  const events: OperationEvent[] = [];
  const done = rig.run(evacuate(rig.scheduler, "h1", { parallel, bandwidth }, (e) => events.push(e)));
  return { events, done };
}

describe("evacuate", () => {
  it("moves every domain off, leaves the host disabled and empty, and says so last", async () => {
    const rig = await rigWith(5);
    const { events, done } = runEvacuation(rig, 2);
    expect(await done).toBe(true);
    expect(rig.domainsOn("h1")).toEqual([]);
    expect(rig.placements().map((p) => p.split("@")[0])).toEqual(["g1", "g2", "g3", "g4", "g5"]);
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
    expect(rig.calls.migrationsInFlightMax).toBe(1);
    await rig.stop();
  });

  it("queues past the source's outbound limit (MigrationSlots) instead of failing", async () => {
    const rig = await rigWith(7);
    const { done } = runEvacuation(rig, 5);
    expect(await done).toBe(true);
    expect(rig.calls.migrationsInFlightMax).toBe(OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT);
    expect(rig.domainsOn("h1")).toEqual([]);
    await rig.stop();
  });

  it("finishes when the source runs fewer outbound migrations than asked, however long each takes", async () => {
    const rig = await rigWith(6, {}, FILLED);
    // A real host runs 2 outbound migrations at once (OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT), each ~5 s here.
    const started = rig.clock.nowMs();
    const { events, done } = runEvacuation(rig, 10, "7MB/s");
    expect(await done, events.at(-1)?.message).toBe(true);
    expect(rig.domainsOn("h1")).toEqual([]);
    expect(rig.calls.migrationsInFlightMax).toBe(2);
    expect(rig.clock.nowMs() - started, "3 rounds of 2 migrations of about 5 s").toBeGreaterThan(3 * 4000);
    await rig.stop();
  });

  it("waits while the only destination is at its migration limit", async () => {
    const rig = await SchedulerRig.start([
      { hostId: "h1", memoryMib: 4096 },
      { hostId: "h2", memoryMib: 4096 },
    ]);
    for (let i = 1; i <= 5; i++) rig.addGuest("h1", { name: `g${i}`, ...FILLED });
    await rig.idle(500); // filled
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const { events, done } = runEvacuation(rig, 5, "22MB/s");
    expect(await done, events.at(-1)?.message).toBe(true);
    expect(rig.placements()).toHaveLength(5);
    expect(rig.domainsOn("h1")).toEqual([]);
    await rig.stop();
  });

  it("does not call a host evacuated while it is declared down, and carries on when it is back", async () => {
    const rig = await rigWith(4, {}, FILLED);
    rig.silence("h1", true);
    const { events, done } = runEvacuation(rig, 1, ABOUT_A_SECOND);
    expect(await done).toBe(false);
    expect(events.at(-1)?.message).toMatch(/could not move g\d \(h1 is down\)/);
    expect(rig.domainsOn("h1").length).toBeGreaterThan(0);

    rig.silence("h1", false);
    const again = runEvacuation(rig, 1, ABOUT_A_SECOND);
    const back = rig.clock.nowMs();
    rig.clock.setTimer(700, () => rig.silence("h1", true));
    rig.clock.setTimer(1500, () => rig.silence("h1", false));
    expect(await again.done, again.events.at(-1)?.message).toBe(true);
    expect(rig.clock.nowMs() - back).toBeGreaterThan(1500);
    expect(rig.log.filter((line) => line.startsWith("host h1 is down"))).toHaveLength(2);
    expect(rig.domainsOn("h1")).toEqual([]);
    await rig.stop();
  });

  it("writes the operation to the store before any migration and removes it at the end", async () => {
    const rig = await rigWith(3);
    const seen: Array<string | undefined> = [];
    rig.calls.onMigrateStart = () => void rig.store.get(OP_KEY).then((value) => seen.push(value));
    const { done } = runEvacuation(rig, 2, "10MB/s");
    expect(await done).toBe(true);
    const uuids = ["g1", "g2", "g3"].map(rigUuid);
    const op = { parallel: 2, bandwidth: "10MB/s", policy: "", uuids };
    expect(seen).toEqual(Array(3).fill(JSON.stringify(op)));
    expect(rig.calls.migrateCalls.map((c) => c.bandwidth)).toEqual(Array(3).fill("10MB/s"));
    expect(await rig.store.get(OP_KEY)).toBeUndefined();
    await rig.stop();
  });

  it("fails naming a domain no other host can take, after moving the others", async () => {
    const rig = await rigWith(2);
    rig.addGuest("h1", { name: "huge", memoryMib: 3000 });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const { events, done } = runEvacuation(rig, 10);
    expect(await done).toBe(false);
    const last = events.at(-1);
    expect(last).toMatchObject({ kind: "failed", final: true, ok: false });
    // What it did first, then what it could not do: never only the refusal of the last guest.
    expect(last?.message).toMatch(
      /^disabled h1; migrated g1 to h\d, g2 to h\d; could not move huge \(no host fits "huge"[^]*\); still on h1: huge$/,
    );
    expect(rig.domainsOn("h1")).toEqual(["huge"]);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    expect(await rig.store.get(OP_KEY)).toBeUndefined();
    await rig.stop();
  });

  it("retries a failing migration a bounded number of times, then names it", async () => {
    const rig = await rigWith(2);
    rig.calls.failingMigrations.add("g2");
    const { events, done } = runEvacuation(rig, 1);
    expect(await done).toBe(false);
    expect(events.at(-1)?.message).toBe(
      "disabled h1; migrated g1 to h3; could not move g2 (injected failure); still on h1: g2",
    );
    expect(rig.calls.migrateCalls.filter((c) => c.domain === "g2")).toHaveLength(EVACUATE_ATTEMPT_COUNT_MAX);
    expect(rig.placements()).toContain("g2@h1");
    await rig.stop();
  });

  it("does not retry a migration the operator cancelled: names it, moves the others", async () => {
    const rig = await rigWith(2, {}, FILLED);
    rig.calls.onMigrateStart = (request) => {
      if (rig.calls.migrateCalls.at(-1)?.domain !== "g1") return;
      // xsim migrate-cancel g1 at its source, a moment into the stream.
      rig.cluster.clock.setTimer(CANCEL_AFTER_MS, () =>
        rig.cluster.hosts.get("h1")!.host.cancelMigration(request.domain, "the operator asked"),
      );
    };
    const { events, done } = runEvacuation(rig, 1, ABOUT_A_SECOND);
    expect(await done).toBe(false);
    expect(events.at(-1)?.message).toMatch(
      /^disabled h1; migrated g2 to h\d; could not move g1 \(.*cancelled: the operator asked.*\); still on h1: g1$/,
    );
    expect(rig.calls.migrateCalls.filter((c) => c.domain === "g1")).toHaveLength(1);
    expect(rig.placements()).toContain("g1@h1");
    expect(rig.placements()).not.toContain("g2@h1");
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
    // As an evacuation leaves it: its host disabled, then the operation saved.
    const rig = await rigWith(4, {
      "host.h1": "disabled",
      [OP_KEY]: JSON.stringify({ parallel: 2, bandwidth: "5MB/s" }),
    });
    const store = rig.store;
    const events: OperationEvent[] = [];
    await rig.run(resumeEvacuations(rig.scheduler, (e) => events.push(e)));
    expect(rig.domainsOn("h1")).toEqual([]);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    expect(rig.calls.migrationsInFlightMax).toBe(2);
    expect(new Set(rig.calls.migrateCalls.map((c) => c.bandwidth))).toEqual(new Set(["5MB/s"]));
    expect(await store.get(OP_KEY)).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ kind: "done", ok: true });
    expect(rig.log).toContain("resuming the evacuation of h1");
    await rig.stop();
  });

  it("leaves alone an evacuation this scheduler is running, and refuses a second one", async () => {
    const rig = await rigWith(3, {}, FILLED);
    const { done } = runEvacuation(rig, 1, ABOUT_A_SECOND);
    await rig.idle(500);
    await expect(rig.run(evacuate(rig.scheduler, "h1", { parallel: 1 }, () => undefined))).rejects.toThrow(
      /h1 is already being evacuated/,
    );
    await rig.run(resumeEvacuations(rig.scheduler, () => undefined));
    expect(await done).toBe(true);
    expect(rig.calls.migrateCalls.map((c) => c.domain)).toEqual(["g1", "g2", "g3"]);
    expect(rig.scheduler.evacuationsRunning.size).toBe(0);
    await rig.stop();
  });

  it("drops, without resuming, the evacuation of a host enabled since (the user ended the maintenance)", async () => {
    const rig = await rigWith(
      4,
      { "host.h1": "disabled", [OP_KEY]: JSON.stringify({ parallel: 2 }) },
      FILLED,
    );
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(true);
    await rig.run(rig.scheduler.setHostEnabled("h1", true));
    await rig.run(resumeEvacuations(rig.scheduler, () => undefined));
    expect(rig.calls.migrateCalls).toEqual([]);
    expect(rig.scheduler.disabledHosts.has("h1")).toBe(false);
    expect(await rig.store.get(OP_KEY)).toBeUndefined();
    expect(rig.log).toContain("evacuation of h1 not resumed: the host was enabled since");
    await rig.stop();
  });

  it("logs its wait on an earlier scheduler's migration once, and once when it ends", async () => {
    const rig = await rigWith(
      1,
      { "host.h1": "disabled", [OP_KEY]: JSON.stringify({ parallel: 1 }) },
      FILLED,
    );
    // The previous scheduler's migration of g1, still running at its source: about 4 s.
    const [h1, h2] = ["h1", "h2"].map((id) => rig.scheduler.requireHost(id).address);
    const request = MigrateRequest.fromPartial({
      domain: rigUuid("g1"),
      destination: h2,
      live: true,
      bandwidth: "8MB/s",
    });
    const earlier = rig.scheduler.options.gateway.migrate(h1!, request, () => undefined);
    await rig.idle(100);
    await rig.run(resumeEvacuations(rig.scheduler, () => undefined));
    expect((await rig.run(earlier)).stats?.status).toBe("completed");
    expect(rig.domainsOn("h1")).toEqual([]);
    const g1Lines = rig.log.filter((line) => line.includes("g1"));
    // Before: "migrate g1 (uuid): h1 -> h2" every EVACUATE_RETRY_DELAY_MS, each refused by the source.
    expect(g1Lines.filter((line) => line.startsWith("migrate g1 "))).toHaveLength(1);
    expect(
      g1Lines.filter((line) => line.startsWith("evacuation of h1: g1 waits, retried every 500 ms: ")),
    ).toHaveLength(1);
    expect(
      g1Lines.filter((line) => /^evacuation of h1: g1 waited \d+\.\d s: no longer on h1$/.test(line)),
    ).toHaveLength(1);
    await rig.stop();
  });

  it("waits for a host it has not seen yet, keeping the operation", async () => {
    const rig = await rigWith(1, { "op.evacuate.h7": JSON.stringify({ parallel: 2 }) });
    const store = rig.store;
    await rig.run(resumeEvacuations(rig.scheduler, () => undefined));
    expect(await store.get("op.evacuate.h7")).toBeDefined();
    expect(rig.log).toContain("evacuation of h7 pending: host not seen yet");
    await rig.stop();
  });
});
