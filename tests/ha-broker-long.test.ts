import { describe, expect, it } from "vitest";
import { faultWhereNothingMoves, haFaultSuite, sleep, TEST_HA_TIMEOUT_MS } from "./support/ha-cluster.js";

/**
 * The long broker outages (issue 9): nats-server paused for 60 s, and killed and started again
 * after 30 s, HA on. In a file of their own so that they run beside the other test files instead of
 * adding their minutes to them.
 */
const suite = haFaultSuite("tests/ha-broker-long.test.ts", "nl", 9);
const { rows } = suite;
const SETTLE_MS = TEST_HA_TIMEOUT_MS * 2;
const LONG_FAULT_TIMEOUT_MS = 180_000;

describe("long nats-server outages with HA on", () => {
  it(
    "a 60 s SIGSTOP of nats-server destroys and restarts nothing",
    async () => {
      const pause = async () => {
        suite.ha.cluster.nats.process.kill("SIGSTOP");
        await sleep(60_000);
        suite.ha.cluster.nats.process.kill("SIGCONT");
      };
      rows.push(await faultWhereNothingMoves(suite.ha, "broker SIGSTOP 60 s", pause, SETTLE_MS));
    },
    LONG_FAULT_TIMEOUT_MS,
  );

  it(
    "nats-server killed and started again 30 s later: nothing lost, the scheduler survives",
    async () => {
      const outage = async () => {
        await suite.ha.cluster.nats.kill9();
        await sleep(30_000);
        await suite.ha.cluster.nats.startAgain();
      };
      rows.push(await faultWhereNothingMoves(suite.ha, "broker kill -9, back after 30 s", outage, SETTLE_MS));
      expect(suite.ha.cluster.scheduler.process.exitCode, "the scheduler still runs").toBeNull();
    },
    LONG_FAULT_TIMEOUT_MS,
  );
});
