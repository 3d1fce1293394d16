import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaCluster, waitForLiveset, type HaCluster } from "./support/ha-cluster.js";
import { createGuest, haEnable, haStatus } from "./support/ha-faults.js";

/**
 * `xsim ha-enable` at XAPI's usual T = 60 s, real processes (docs/specs/ha.md §1). There the
 * renew interval t = (T + 10) / 10 is 7 s, longer than the 5 s the enable waits for every host to
 * renew its lease with HA on: before LeaseKeeper's arming rounds (a host on which HA is switched on
 * while it runs pings and renews at once), every such enable failed, naming every host. The
 * one-process twin is tests/sim/rack.sim; this is the same path over NATS and gRPC.
 */
const XAPI_HA_TIMEOUT_MS = 60_000;
/** The enable decides within 25 s (ha-admin.ts), then waitForLiveset sees a renewal (t = 7 s). */
const ENABLE_TEST_TIMEOUT_MS = 80_000;

let ha: HaCluster;

beforeAll(async () => {
  ha = await startHaCluster("xt", 17, false);
});

afterAll(async () => {
  await ha?.cluster.stop();
});

describe("ha-enable at T = 60 s (real processes)", () => {
  it(
    "arms every host and answers enabled; the leases are live and renewed",
    async () => {
      const before = await haStatus(ha.cluster.scheduler);
      expect(before.enabled).toBe(false);
      const state = await haEnable(ha.cluster.scheduler, XAPI_HA_TIMEOUT_MS);
      expect(state.enabled).toBe(true);
      expect(state.timeoutMs).toBe(XAPI_HA_TIMEOUT_MS);
      await waitForLiveset(
        ha.cluster,
        ha.cluster.hosts.map((h) => h.hostId),
      );
    },
    ENABLE_TEST_TIMEOUT_MS,
  );

  it("ha-enable again keeps HA on and every host armed: a protected guest is admitted", async () => {
    const state = await haEnable(ha.cluster.scheduler, XAPI_HA_TIMEOUT_MS);
    expect(state.enabled).toBe(true);
    const status = await haStatus(ha.cluster.scheduler);
    expect(status.hosts.map((h) => [h.hostId, h.state])).toEqual(
      ha.cluster.hosts.map((h) => [h.hostId, "live"]),
    );
    const domain = await createGuest(ha.host("xt2"), "xtnew", { ha: "restart" });
    expect(domain.name).toBe("xtnew");
  }, 60_000);
});
