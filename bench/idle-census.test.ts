import { describe, expect, it } from "vitest";
import { runIdleCluster } from "./simcluster.js";

// What an idle host costs, counted by cause (bench/event-census.ts), so that a cost taken out
// cannot creep back unseen: counts, not times, the same on any machine.

/** A small idle cluster at XAPI's heartbeat interval, long enough for every periodic round. */
const HOST_COUNT = 20;
const SIMULATED_MS = 84_000;
const HEARTBEAT_INTERVAL_MS = 7000;

/**
 * Upper bounds in events per idle host per simulated second, by cause (the code before each cut
 * in brackets, same run): the HA setting read by the lease round with HA off only when its watch
 * may have missed a change, here never after the first round (0.167: every 3t; 0.50: every renew
 * interval), the round's timer (0.25), the renewal every 3t (0.167), the reconcile's List of an
 * unchanged host only once a sweep interval (0.42: every reconcile).
 */
const BOUNDS_PER_HOST_SECOND: Record<string, number> = {
  "message LeaseKeeper.readStatefile (host/lease-keeper.ts)": 0.01,
  "message LeaseKeeper.renew (host/lease-keeper.ts)": 0.17,
  "timer LeaseKeeper.armRound (host/lease-keeper.ts)": 0.09,
  "message Host.publishHeartbeat (host/host.ts)": 0.15,
  "relay Host.publishHeartbeat (host/host.ts)": 0.15,
  "message Scheduler.syncHost (scheduler/scheduler.ts)": 0.06,
};
/**
 * All of an idle host's events together, the scheduler's own timers and calls shared by the 20
 * hosts included (0.4 per host here, 0.04 at 200): 1.22 now, 1.39 with the setting read every 3t,
 * 2.27 before the cuts above.
 */
const TOTAL_PER_HOST_SECOND_MAX = 1.27;

describe("an idle host's events by cause (census)", () => {
  it("stays within each cause's bound, and no new cause costs more than a little", async () => {
    const run = await runIdleCluster(3, HOST_COUNT, SIMULATED_MS, {
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      census: true,
    });
    const hostSeconds = (HOST_COUNT * SIMULATED_MS) / 1000;
    const perHostSecond = new Map(
      (run.census ?? []).map((row) => [`${row.type} ${row.cause}`, row.count / hostSeconds]),
    );
    for (const [cause, bound] of Object.entries(BOUNDS_PER_HOST_SECOND))
      expect(perHostSecond.get(cause) ?? 0, cause).toBeLessThanOrEqual(bound);
    const total = [...perHostSecond.values()].reduce((sum, n) => sum + n, 0);
    expect(total).toBeLessThanOrEqual(TOTAL_PER_HOST_SECOND_MAX);
  });
});
