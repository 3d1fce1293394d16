import { describe, expect, it } from "vitest";
import { faultWhereNothingMoves, haFaultSuite, sleep, TEST_HA_TIMEOUT_MS } from "./support/ha-cluster.js";

/**
 * Losing nats-server (the broker and the KV statefile) destroys nothing, HA on (XAPI survival
 * rule 2: the hosts still see each other on the network channel). The long faults (60 s pause,
 * 30 s outage) are in ha-broker-long.test.ts, which runs beside this file.
 */
const suite = haFaultSuite("tests/ha-broker-faults.test.ts", "nb", 5);
const { rows } = suite;
/** After the fault: longer than T + margin, so a wrong revocation would have happened. */
const SETTLE_MS = TEST_HA_TIMEOUT_MS * 2;

async function pauseBroker(ms: number): Promise<void> {
  const nats = suite.ha.cluster.nats.process;
  nats.kill("SIGSTOP");
  await sleep(ms);
  nats.kill("SIGCONT");
}

describe("nats-server faults with HA on", () => {
  it("a 1.5 s SIGSTOP of nats-server destroys and restarts nothing", async () => {
    rows.push(
      await faultWhereNothingMoves(suite.ha, "broker SIGSTOP 1.5 s", () => pauseBroker(1500), SETTLE_MS),
    );
  });

  it("a 5 s SIGSTOP (as long as T) destroys and restarts nothing", async () => {
    rows.push(
      await faultWhereNothingMoves(suite.ha, "broker SIGSTOP 5 s", () => pauseBroker(5000), SETTLE_MS),
    );
  });

  it("nats-server killed and started again 3 s later: nothing lost, the scheduler survives", async () => {
    const run = async () => {
      await suite.ha.cluster.nats.kill9();
      await sleep(3000);
      await suite.ha.cluster.nats.startAgain();
    };
    rows.push(await faultWhereNothingMoves(suite.ha, "broker kill -9, back after 3 s", run, SETTLE_MS));
    expect(suite.ha.cluster.scheduler.process.exitCode, "the scheduler still runs").toBeNull();
    expect(suite.ha.cluster.scheduler.log()).not.toMatch(/Unhandled|TIMEOUT.*at /);
  });
});
