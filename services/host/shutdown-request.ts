import type { Clock } from "../core/clock.js";
import { decodeJson, encodeJson, type Bus } from "../contracts/bus.js";
import {
  SCHEDULER_ANSWER_MS_MAX,
  shutdownProgressSubject,
  shutdownRequestSubject,
  type ShutdownProgress,
  type ShutdownRequest,
} from "../contracts/host-shutdown.js";

/** What the scheduler did with a shutdown request, as far as the host heard before its deadline. */
export interface EvacuationOutcome {
  /** Whether any scheduler took the request within SCHEDULER_ANSWER_MS_MAX. */
  answered: boolean;
  /** Guest name -> the host it was migrated to. */
  migrated: Map<string, string>;
  /** Guest name -> why the scheduler could not move it. */
  failed: Map<string, string>;
  /** The scheduler's last word: why its evacuation stopped early, or "" when it did not. */
  stopped: string;
}

/**
 * Asks the scheduler over the bus to move `guests` off this host (xendomains' XENDOMAINS_MIGRATE,
 * with the scheduler choosing each destination). Resolves when the scheduler says it is done, when
 * nobody takes the request within SCHEDULER_ANSWER_MS_MAX, or at `migrateTimeMsMax`, whichever
 * comes first: the caller saves whatever is still here then.
 */
export function requestEvacuation(
  bus: Bus,
  clock: Clock,
  request: ShutdownRequest,
): Promise<EvacuationOutcome> {
  const outcome: EvacuationOutcome = { answered: false, migrated: new Map(), failed: new Map(), stopped: "" };
  return new Promise((resolve) => {
    const cancels: Array<() => void> = [];
    const finish = () => {
      for (const cancel of cancels) cancel();
      subscription.unsubscribe();
      resolve(outcome);
    };
    const subscription = bus.subscribe(shutdownProgressSubject(request.hostId), (_, data) => {
      const progress = decodeJson<ShutdownProgress>(data);
      if (progress.requestId !== request.requestId) return;
      outcome.answered = true;
      if (progress.kind === "migrated") outcome.migrated.set(progress.domain, progress.toHost);
      if (progress.kind === "failed") outcome.failed.set(progress.domain, progress.message);
      if (progress.kind === "done") {
        outcome.stopped = progress.message;
        finish();
      }
    });
    cancels.push(clock.setTimer(SCHEDULER_ANSWER_MS_MAX, () => !outcome.answered && finish()));
    cancels.push(clock.setTimer(request.migrateTimeMsMax, finish));
    bus.publish(shutdownRequestSubject(request.hostId), encodeJson(request));
  });
}
