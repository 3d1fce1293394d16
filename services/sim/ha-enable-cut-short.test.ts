import { describe, expect, it } from "vitest";
import { SCHEDULER_ID, SimCluster } from "./cluster.js";
import { BROKER_ID } from "./network.js";
import { SimUser } from "./sim-user.js";
import { HA_TEST_HOSTS, protectedConfig } from "./ha-test-guests.js";
import { HA_CONFIG_KEY, parseHaConfig } from "../contracts/lease.js";
import { isCutShort } from "../scheduler/steps-done.js";
import { isNothingChanged } from "../dom0/errors.js";

/**
 * `xsim ha-enable` that wrote the setting, saw a host not renew its lease with HA on (h4, cut from
 * the broker), and could not write HA off again: the scheduler too was cut from the broker just
 * after the setting was written. HA stays on, as the store and the scheduler hold it. Before, the
 * user was told only the last write's error, "statefile put cluster.ha to broker: no route to host"
 * (read as "ha-enable failed": HA off), and while the store did not answer the reads of the leases
 * that failure was named as a host: "cannot enable HA: (the state store did not answer) did not
 * renew its lease with HA on within 5 s".
 */
const HA_T_MS = 5000;
/** How often the test looks for the setting written (the scheduler is cut right after). */
const POLL_MS = 50;
const POLL_COUNT_MAX = 400;

describe("an ha-enable whose setting was written and could not be written back", () => {
  it("says HA stays on and how to turn it off, typed as a step done, never as nothing changed", async () => {
    const cluster = await SimCluster.start({ seed: 26, hosts: HA_TEST_HOSTS });
    const user = new SimUser(cluster);
    await cluster.idle(2000);
    await cluster.run(user.createOn("h4", protectedConfig("dns"), "dns.cfg"));
    await cluster.idle(2000);
    cluster.network.partition(["h4"], [BROKER_ID]);
    const settingOn = () => parseHaConfig(cluster.kv.peek(HA_CONFIG_KEY)?.value).enabled;
    const enabling = user.haEnable(HA_T_MS).then(
      () => expect.unreachable("ha-enable was not refused"),
      (error: unknown) => error,
    );
    for (let i = 0; i < POLL_COUNT_MAX && !settingOn(); i++) await cluster.idle(POLL_MS);
    expect(settingOn()).toBe(true);
    cluster.network.partition([SCHEDULER_ID], [BROKER_ID]);
    const error = await cluster.run(enabling);
    expect(isNothingChanged(error)).toBe(false);
    expect(isCutShort(error) && error.done).toEqual([{ action: "turned on", subject: "HA" }]);
    expect((error as Error).message).toMatch(
      new RegExp(
        "^cannot enable HA: the state store did not answer the scheduler's reads of the leases for 5 s " +
          "\\(when it last did, [h1-4, ]*h4 did not renew their leases with HA on yet\\), and writing HA off " +
          "again failed \\(statefile put cluster.ha to broker: no route to host\\): HA stays on, unless that " +
          "write took effect after all; run ha-disable to turn it off$",
      ),
    );
    expect(settingOn(), "HA stays on, as told").toBe(true);
    expect(cluster.schedulerProcess?.ha.config.enabled, "as the scheduler runs it").toBe(true);
  });
});
