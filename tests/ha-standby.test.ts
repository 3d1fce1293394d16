import { afterAll, describe, expect, it } from "vitest";
import { waitUntil } from "./support/migration-cluster.js";
import { startSchedulerProcess, type SchedulerProcess } from "./support/scheduler-process.js";
import { evacuateVia, TEST_MISSED_HEARTBEATS, waitForHostsUp } from "./support/scheduler-cluster.js";
import {
  expectEachOnceElsewhere,
  haFaultSuite,
  restartTimeLine,
  row,
  sleep,
  TEST_HA_TIMEOUT_MS,
  type Guest,
} from "./support/ha-cluster.js";
import { checksumOf, listWithin, startSampler } from "./support/ha-faults.js";

/**
 * A standby scheduler takes over through the leader lease (issue 9 item 3) when the active one
 * dies at the worst moment: together with a host (the HA restart must still happen, exactly once)
 * and in the middle of an evacuation (it must be finished, every guest once, memory unchanged).
 */
const suite = haFaultSuite("tests/ha-standby.test.ts", "sb", 12);
const standbys: SchedulerProcess[] = [];
/** The leader lease's timeout (5 s) + T + margin + a loaded machine. */
const TAKEOVER_DEADLINE_MS = 120_000;
const FAULT_TEST_TIMEOUT_MS = 240_000;
/** 32 MiB guests at 4 MB/s: about 8 s each, time to kill the scheduler in the middle. */
const SLOW_BANDWIDTH = "4MB/s";

afterAll(async () => {
  for (const standby of standbys) await standby.stop().catch(() => undefined);
});

async function startStandby(seed: number): Promise<SchedulerProcess> {
  const standby = await startSchedulerProcess(suite.ha.cluster.nats.url, TEST_MISSED_HEARTBEATS, seed);
  standbys.push(standby);
  return standby;
}

function restartCount(log: string, name: string): number {
  return log.split("\n").filter((line) => line.includes(`HA: restarted ${name} `)).length;
}

describe("a standby scheduler takes over", () => {
  it(
    "when the active scheduler dies with a host: the host's protected guests restart exactly once",
    async () => {
      const { ha } = suite;
      const standby = await startStandby(2);
      await waitForHostsUp(standby, ["sb1", "sb2", "sb3"]);
      const moving: Guest[] = ha.guests.filter((g) => g.hostId === "sb2" && g.ha !== undefined);
      const survivors = ha.cluster.hosts.filter((h) => h.hostId !== "sb2");
      const stay = new Map(ha.guests.filter((g) => g.hostId !== "sb2").map((g) => [g.uuid, g.hostId]));
      const sampler = startSampler(survivors, stay, ha.origin);
      await Promise.all([ha.host("sb2").process.kill9(), ha.cluster.scheduler.kill9()]);
      const killedAtMs = Date.now();
      await waitUntil(
        () => moving.every((g) => sampler.report.firstElsewhereMs.has(g.uuid)),
        TAKEOVER_DEADLINE_MS,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\nstandby log:\n${standby.log()}`);
      });
      suite.notes.push(
        restartTimeLine(
          "sb2 and the active scheduler kill -9",
          moving,
          sampler.report.firstElsewhereMs,
          killedAtMs,
        ),
      );
      await sleep(2 * TEST_HA_TIMEOUT_MS);
      const report = await sampler.stop();
      expect(report.duplicates, "never two running copies").toEqual([]);
      expect(report.moved, "the other guests stayed").toEqual([]);
      await expectEachOnceElsewhere(ha, moving, "sb2");
      expect(standby.log()).toMatch(/active: holds the leader lease/);
      for (const g of moving) expect(restartCount(standby.log(), g.name), `${g.name} restarted once`).toBe(1);
      suite.rows.push(
        row(
          "active scheduler + host kill -9, standby takes over",
          ha,
          report,
          1,
          moving.length,
          "unprotected sbu2 lost with its host",
        ),
      );
      for (const g of moving)
        g.hostId = [...(report.seenOn.get(g.uuid) ?? [])].find((h) => h !== "sb2") ?? "";
      ha.guests.splice(
        ha.guests.findIndex((g) => g.name === "sbu2"),
        1,
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    "when the active scheduler dies during an evacuation: the standby finishes it, every guest once, memory unchanged",
    async () => {
      const { ha } = suite;
      const active = standbys[0];
      if (!active) throw new Error("the first test did not start the standby");
      const standby = await startStandby(3);
      await waitForHostsUp(standby, ["sb1", "sb3"]);
      const leaving = ha.guests.filter((g) => g.hostId === "sb1");
      const sums = new Map<string, string>();
      // The guests paused now (an HA restart starts a guest afresh, running).
      for (const h of ["sb1", "sb3"])
        for (const d of (await listWithin(ha.host(h), 5000)) ?? [])
          if (d.domid !== 0 && d.state.includes("p")) sums.set(d.name, await checksumOf(ha.host(h), d.name));
      expect(sums.size, "paused guests to follow").toBeGreaterThan(0);
      const live = ha.cluster.hosts.filter((h) => h.hostId !== "sb2");
      const sampler = startSampler(live, new Map(), new Map(ha.guests.map((g) => [g.uuid, g.hostId])));
      const run = evacuateVia(active, { hostId: "sb1", bandwidth: SLOW_BANDWIDTH, parallel: 1 });
      run.done.catch(() => undefined);
      await waitUntil(() => run.events.some((e) => e.kind === "migrate" && e.ok), 60_000);
      await active.kill9();
      const left = ((await listWithin(ha.host("sb1"), 5000)) ?? []).filter((d) => d.domid !== 0);
      expect(left.length, "killed with guests still to move").toBeGreaterThan(0);
      await waitUntil(
        async () => ((await listWithin(ha.host("sb1"), 5000)) ?? []).every((d) => d.domid === 0),
        TAKEOVER_DEADLINE_MS,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\nstandby log:\n${standby.log()}`);
      });
      const report = await sampler.stop();
      expect(report.duplicates, "never two running copies").toEqual([]);
      expect(standby.log()).toContain("resuming the evacuation of sb1");
      await expectEachOnceElsewhere(ha, leaving, "sb1");
      for (const [name, sum] of sums) {
        const g = ha.guests.find((x) => x.name === name);
        const hostId = g?.hostId === "sb1" ? "sb3" : (g?.hostId ?? "");
        expect(await checksumOf(ha.host(hostId), name), `${name}'s memory`).toBe(sum);
      }
      suite.rows.push(
        row(
          "active scheduler kill -9 during an evacuation, standby finishes it",
          ha,
          report,
          0,
          0,
          "all moved once; paused checksums unchanged",
        ),
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
