import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsOptionsAs } from "./support/test-pki.js";
import { connect } from "nats";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { encodeJson } from "../services/contracts/bus.js";
import { heartbeatSubject } from "../services/contracts/subjects.js";
import { waitUntil } from "./support/migration-cluster.js";
import {
  faultWhereNothingMoves,
  row,
  sleep,
  expectEachOnceElsewhere,
  restartTimeLine,
  startHaCluster,
  TEST_HA_TIMEOUT_MS,
  waitForLiveset,
  type Guest,
  type HaCluster,
} from "./support/ha-cluster.js";
import {
  haClient,
  haEnable,
  listWithin,
  printFaultTable,
  startSampler,
  type FaultRow,
} from "./support/ha-faults.js";
import { TEST_HEARTBEAT_MS, TEST_MISSED_HEARTBEATS } from "./support/scheduler-cluster.js";
import { NatsKvStore } from "../services/transport/kv/nats-kv-store.js";
import { leaseKey, parseLease } from "../services/contracts/lease.js";

/**
 * Host faults with real processes (docs/specs/ha.md): a stalled host (SIGSTOP) with HA off and on,
 * a forged heartbeat, kill -9 with HA on. Every guest runs once; HA restarts each protected guest
 * of a lost host exactly once; unprotected ones are never fenced nor restarted.
 */
let ha: HaCluster;
const rows: FaultRow[] = [];
const restartTimes: string[] = [];
/** Past the NATS heartbeat timeout (3 × 200 ms) many times over, and past T. */
const STALL_MS = 5000;
/** Each fault and its settling, with room for a loaded 2-core machine. */
const FAULT_TEST_TIMEOUT_MS = 150_000;

beforeAll(async () => {
  ha = await startHaCluster("hf", 7);
});

afterAll(async () => {
  printFaultTable(`HA fault table (tests/ha-host-faults.test.ts, T = ${TEST_HA_TIMEOUT_MS / 1000} s)`, rows);
  process.stdout.write(
    `HA restart times (kill/stop to running elsewhere, T = ${TEST_HA_TIMEOUT_MS / 1000} s, margin T/2):\n${restartTimes.join("\n")}\n`,
  );
  await ha?.cluster.stop();
});

async function setHa(enabled: boolean): Promise<void> {
  if (enabled) {
    await haEnable(ha.cluster.scheduler, TEST_HA_TIMEOUT_MS);
    await waitForLiveset(ha.cluster, ["hf1", "hf2", "hf3"]);
    return;
  }
  const client = haClient(ha.cluster.scheduler.address);
  await unaryCall(client.disable.bind(client), {});
  client.close();
  await sleep(TEST_HA_TIMEOUT_MS); // every host reads the setting within a renew interval
}

function protectedOf(hostId: string): Guest[] {
  return ha.guests.filter((g) => g.hostId === hostId && g.ha !== undefined);
}

/** What the store says of a protected guest: the epoch of its HA record and of its host's lease. */
async function epochsOf(store: NatsKvStore, guest: Guest) {
  const record = JSON.parse((await store.get(`ha.${guest.uuid}`)) ?? "{}") as { hostEpoch?: string };
  const lease = parseLease((await store.get(leaseKey(guest.hostId))) ?? "");
  return { recordEpoch: record.hostEpoch, leaseEpoch: lease?.epoch };
}

describe("host faults", () => {
  it("each protected guest's HA record carries the lease epoch its host's List reports (docs/specs/ha.md §5)", async () => {
    // The store read as the scheduler reads it (its own credentials).
    const nc = await connect({ servers: ha.cluster.nats.url, ...natsOptionsAs("scheduler", "scheduler") });
    try {
      const store = await NatsKvStore.open(nc);
      for (const guest of ha.guests.filter((g) => g.ha !== undefined)) {
        const client = ha.host(guest.hostId).process.client;
        const listed = (await unaryCall(client.list.bind(client), { domains: [] })).leaseEpoch;
        const epochs = await epochsOf(store, guest);
        expect(listed, `${guest.hostId} lists under its lease's epoch`).toBe(epochs.leaseEpoch);
        expect(epochs.recordEpoch, `${guest.name}'s record`).toBe(listed);
      }
    } finally {
      await nc.close();
    }
  }, 60_000);

  it(
    "HA off: a host stopped for 5 s (8 × the heartbeat timeout) keeps its guests; nothing restarts",
    async () => {
      await setHa(false);
      const host = ha.host("hf1").process.process;
      const stall = async () => {
        host.kill("SIGSTOP");
        await sleep(STALL_MS);
        host.kill("SIGCONT");
      };
      expect(STALL_MS).toBeGreaterThan(TEST_HEARTBEAT_MS * TEST_MISSED_HEARTBEATS);
      rows.push(await faultWhereNothingMoves(ha, "host SIGSTOP 5 s, HA off", stall, 2 * TEST_HA_TIMEOUT_MS));
      await setHa(true);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    "a forged heartbeat (interval 1 ms, dead address) neither declares a host lost nor restarts a guest",
    async () => {
      const forge = async () => {
        const nc = await connect({
          servers: ha.cluster.nats.url,
          // hf3's own credential: only it may publish on its subjects (a buggy or compromised hf3).
          ...natsOptionsAs("host", "hf3"),
        });
        const beat = {
          hostId: "hf3",
          address: "127.0.0.1:1",
          sequence: 1e9,
          timeMs: Date.now(),
          intervalMs: 1,
        };
        nc.publish(
          heartbeatSubject("hf3"),
          encodeJson({ ...beat, pcpus: 8, hvm: true, totalMemoryKib: 1, freeMemoryKib: 1 }),
        );
        await nc.flush();
        await nc.close();
      };
      rows.push(
        await faultWhereNothingMoves(ha, "forged heartbeat for a host", forge, 3 * TEST_HA_TIMEOUT_MS),
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    "HA on: a host stopped past T + margin: its protected guests restart elsewhere once; woken, it does not run them",
    async () => {
      const stopped = ha.host("hf1");
      const moving = protectedOf("hf1");
      const stay = new Map(ha.guests.filter((g) => !moving.includes(g)).map((g) => [g.uuid, g.hostId]));
      const sampler = startSampler(ha.cluster.hosts, stay, ha.origin);
      stopped.process.process.kill("SIGSTOP");
      const stoppedAtMs = Date.now();
      await waitUntil(() => moving.every((g) => sampler.report.firstElsewhereMs.has(g.uuid)), 60_000).catch(
        (error: unknown) => {
          throw new Error(`${String(error)}\nscheduler log:\n${ha.cluster.scheduler.log()}`);
        },
      );
      restartTimes.push(restartTimeLine("hf1 SIGSTOP", moving, sampler.report.firstElsewhereMs, stoppedAtMs));
      stopped.process.process.kill("SIGCONT");
      await sleep(2 * TEST_HA_TIMEOUT_MS);
      const report = await sampler.stop();
      expect(report.duplicates, "never two running copies").toEqual([]);
      expect(report.moved, "the other guests stayed").toEqual([]);
      const left = ((await listWithin(stopped, 5000)) ?? []).map((d) => d.name);
      expect(left, "woken, hf1 keeps only its unprotected guest").toEqual(["hfu1"]);
      await expectEachOnceElsewhere(ha, moving, "hf1");
      rows.push(
        row(
          "host SIGSTOP past T + margin, HA on",
          ha,
          report,
          0,
          moving.length,
          "protected restarted once; unprotected stayed",
        ),
      );
      for (const g of moving)
        g.hostId = [...(report.seenOn.get(g.uuid) ?? [])].find((h) => h !== "hf1") ?? "";
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    "HA on: kill -9 of a host: its protected guests restart once, the unprotected one is reported lost",
    async () => {
      await waitForLiveset(ha.cluster, ["hf1", "hf2", "hf3"]);
      const moving = protectedOf("hf2");
      const survivors = ha.cluster.hosts.filter((h) => h.hostId !== "hf2");
      const stay = new Map(ha.guests.filter((g) => g.hostId !== "hf2").map((g) => [g.uuid, g.hostId]));
      // Where each guest runs now (hf1's protected guests moved in the previous test).
      const now = new Map(ha.guests.map((g) => [g.uuid, g.hostId]));
      const sampler = startSampler(survivors, stay, now);
      await ha.host("hf2").process.kill9();
      const killedAtMs = Date.now();
      await waitUntil(() => moving.every((g) => sampler.report.firstElsewhereMs.has(g.uuid)), 60_000).catch(
        (error: unknown) => {
          throw new Error(`${String(error)}\nscheduler log:\n${ha.cluster.scheduler.log()}`);
        },
      );
      restartTimes.push(restartTimeLine("hf2 kill -9", moving, sampler.report.firstElsewhereMs, killedAtMs));
      await sleep(2 * TEST_HA_TIMEOUT_MS);
      const report = await sampler.stop();
      expect(report.duplicates).toEqual([]);
      expect(report.moved).toEqual([]);
      await expectEachOnceElsewhere(ha, moving, "hf2");
      expect(ha.cluster.scheduler.log()).toMatch(/HA: lost with hf2 \(unprotected\): hfu2/);
      for (const h of survivors)
        expect(((await listWithin(h)) ?? []).map((d) => d.name)).not.toContain("hfu2");
      rows.push(
        row(
          "host kill -9, HA on",
          ha,
          report,
          1,
          moving.length,
          "unprotected hfu2 lost with its host, reported",
        ),
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
