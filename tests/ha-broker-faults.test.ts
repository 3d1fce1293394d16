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
 * Losing nats-server (the broker and the KV statefile) destroys nothing, HA on (XAPI survival
 * rule 2: the hosts still see each other on the network channel). The long faults (60 s pause,
 * 30 s outage) are in ha-broker-long.test.ts, which runs beside this file.
 */
let ha: HaCluster;
const rows: FaultRow[] = [];
/** After the fault: longer than T + margin, so a wrong revocation would have happened. */
const SETTLE_MS = TEST_HA_TIMEOUT_MS * 2;

beforeAll(async () => {
  ha = await startHaCluster("nb", 5);
});

afterAll(async () => {
  printFaultTable(
    `HA fault table (tests/ha-broker-faults.test.ts, T = ${TEST_HA_TIMEOUT_MS / 1000} s)`,
    rows,
  );
  await ha?.cluster.stop();
});

async function pauseBroker(ms: number): Promise<void> {
  const nats = ha.cluster.nats.process;
  nats.kill("SIGSTOP");
  await sleep(ms);
  nats.kill("SIGCONT");
}

describe("nats-server faults with HA on", () => {
  it("a 1.5 s SIGSTOP of nats-server destroys and restarts nothing", async () => {
    rows.push(await faultWhereNothingMoves(ha, "broker SIGSTOP 1.5 s", () => pauseBroker(1500), SETTLE_MS));
  });

  it("a 5 s SIGSTOP (as long as T) destroys and restarts nothing", async () => {
    rows.push(await faultWhereNothingMoves(ha, "broker SIGSTOP 5 s", () => pauseBroker(5000), SETTLE_MS));
  });

  it("nats-server killed and started again 3 s later: nothing lost, the scheduler survives", async () => {
    const run = async () => {
      await ha.cluster.nats.kill9();
      await sleep(3000);
      await ha.cluster.nats.startAgain();
    };
    rows.push(await faultWhereNothingMoves(ha, "broker kill -9, back after 3 s", run, SETTLE_MS));
    expect(ha.cluster.scheduler.process.exitCode, "the scheduler still runs").toBeNull();
    expect(ha.cluster.scheduler.log()).not.toMatch(/Unhandled|TIMEOUT.*at /);
  });
});
