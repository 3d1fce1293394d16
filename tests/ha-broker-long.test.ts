import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  faultWhereNothingMoves,
  sleep,
  startHaCluster,
  TEST_HA_TIMEOUT_MS,
  type HaCluster,
} from "./support/ha-cluster.js";
import { printFaultTable, type FaultRow } from "./support/ha-faults.js";

/**
 * The long broker outages (issue 9): nats-server paused for 60 s, and killed and started again
 * after 30 s, HA on. In a file of their own so that they run beside the other test files instead of
 * adding their minutes to them.
 */
let ha: HaCluster;
const rows: FaultRow[] = [];
const SETTLE_MS = TEST_HA_TIMEOUT_MS * 2;
const LONG_FAULT_TIMEOUT_MS = 180_000;

beforeAll(async () => {
  ha = await startHaCluster("nl", 9);
});

afterAll(async () => {
  printFaultTable(`HA fault table (tests/ha-broker-long.test.ts, T = ${TEST_HA_TIMEOUT_MS / 1000} s)`, rows);
  await ha?.cluster.stop();
});

describe("long nats-server outages with HA on", () => {
  it(
    "a 60 s SIGSTOP of nats-server destroys and restarts nothing",
    async () => {
      const pause = async () => {
        ha.cluster.nats.process.kill("SIGSTOP");
        await sleep(60_000);
        ha.cluster.nats.process.kill("SIGCONT");
      };
      rows.push(await faultWhereNothingMoves(ha, "broker SIGSTOP 60 s", pause, SETTLE_MS));
    },
    LONG_FAULT_TIMEOUT_MS,
  );

  it(
    "nats-server killed and started again 30 s later: nothing lost, the scheduler survives",
    async () => {
      const outage = async () => {
        await ha.cluster.nats.kill9();
        await sleep(30_000);
        await ha.cluster.nats.startAgain();
      };
      rows.push(await faultWhereNothingMoves(ha, "broker kill -9, back after 30 s", outage, SETTLE_MS));
      expect(ha.cluster.scheduler.process.exitCode, "the scheduler still runs").toBeNull();
    },
    LONG_FAULT_TIMEOUT_MS,
  );
});
