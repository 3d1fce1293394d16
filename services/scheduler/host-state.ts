import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";

/** A host's state as `xsim host-list` and host-enable/disable print it (HostSummary.state). */
export type HostStateWord = "up" | "down" | "disabled";

/** Down (no heartbeat), else disabled (no placement lands on it), else up. */
export function hostStateWord(scheduler: Scheduler, host: HostEntry): HostStateWord {
  if (host.liveness === "down") return "down";
  return scheduler.disabledHosts.has(host.hostId) ? "disabled" : "up";
}
