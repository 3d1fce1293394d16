import type { EngineScheduler } from "../dom0/migrate/stream-sink.js";

/** The real service's engine scheduler: OS timers, and setImmediate to let guests and RPCs run. */
export const SYSTEM_SCHEDULER: EngineScheduler = {
  sleepMs: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
  yield: () => new Promise((resolve) => setImmediate(resolve)),
};
