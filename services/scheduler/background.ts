import type { Scheduler } from "./scheduler.js";
import { LEASE_RENEW_INTERVAL_MS, type LeaderLease } from "./leader-lease.js";
import { reconcile, RECONCILE_INTERVAL_MS } from "./reconcile.js";
import { resumeEvacuations } from "./evacuate.js";

/** Time after start-up (or taking over) to let heartbeats arrive before the first reconcile. */
export const RESUME_DELAY_MS = 2500;

export interface BackgroundOptions {
  /** The leader lease; without one this scheduler is always active (a single scheduler in tests). */
  lease?: LeaderLease;
}

/**
 * Every task of the scheduler that nobody awaits: the leader lease, the reconcile and the
 * evacuations to resume (HA restarts follow the leases: ha-monitor.ts). Each runs through scheduler.background(), so a failure
 * (the store unreachable during a broker outage) is logged and retried by the next round; none
 * runs while this scheduler is a standby. Returns a function that stops them.
 */
export function startBackground(scheduler: Scheduler, options: BackgroundOptions = {}): () => void {
  const { lease } = options;
  const startedMs = scheduler.clock.nowMs();
  scheduler.isActive = () => lease?.active ?? true;
  scheduler.activeAddress = () => lease?.holder?.address;
  /** Each task's next round (only the next: the list stays as long as the tasks, not the rounds). */
  const cancels: Array<() => void> = [];
  let stopped = false;
  /** Runs `task` after firstMs, then every intervalMs, never two at once; returns "run one now". */
  const every = (intervalMs: number, firstMs: number, task: () => Promise<void>) => {
    let running = false;
    const runOnce = () => {
      if (stopped || running) return;
      running = true;
      void task().finally(() => (running = false));
    };
    const slot = cancels.length;
    const round = () => {
      if (stopped) return;
      runOnce();
      cancels[slot] = scheduler.clock.setTimer(intervalMs, round);
    };
    cancels[slot] = scheduler.clock.setTimer(firstMs, round);
    return runOnce;
  };
  const reconcileNow = every(RECONCILE_INTERVAL_MS, RESUME_DELAY_MS, () => reconcileRound(scheduler));
  // Taking over: the standby's view is warm (it followed the heartbeats), reconcile at once.
  const onActive = () => {
    if (scheduler.clock.nowMs() - startedMs >= RESUME_DELAY_MS) reconcileNow();
  };
  if (lease) every(LEASE_RENEW_INTERVAL_MS, 0, () => leaseRound(scheduler, lease, onActive));
  return () => {
    stopped = true;
    for (const cancel of cancels) cancel();
  };
}

async function leaseRound(scheduler: Scheduler, lease: LeaderLease, onActive: () => void): Promise<void> {
  const wasActive = lease.active;
  try {
    await lease.tick();
  } catch (error) {
    scheduler.log(`leader lease: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (lease.active && !wasActive) onActive();
  if (lease.active !== wasActive)
    scheduler.log(
      lease.active
        ? `active: holds the leader lease (${lease.self.holderId})`
        : `standby: the leader lease is held by ${lease.holder?.holderId ?? "nobody reachable"}`,
    );
}

async function reconcileRound(scheduler: Scheduler): Promise<void> {
  if (!scheduler.isActive()) return;
  await new Promise<void>((resolve) =>
    scheduler.background("reconcile", async () => {
      try {
        await reconcile(scheduler);
      } finally {
        resolve();
      }
    }),
  );
  scheduler.background("resuming evacuations", () =>
    resumeEvacuations(scheduler, (e) =>
      scheduler.log(`resumed evacuation: ${e.kind} ${e.domain} ${e.message}`),
    ),
  );
}
