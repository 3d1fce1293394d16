import { HA_CONFIG_KEY, parseHaConfig } from "../../contracts/lease.js";
import type { SimCluster } from "../cluster.js";

/**
 * How the VOPR runs HA (docs/specs/ha.md §1): `on`, enabled from the start and never switched (the
 * default, as every seed ran before); `off`, never enabled (the product's default); `toggle`, off at
 * the start and switched by a seeded `xsim ha-enable` / `ha-disable` during the run.
 */
export type HaMode = "on" | "off" | "toggle";
export const HA_MODES: readonly HaMode[] = ["on", "off", "toggle"];

/**
 * How long HA must have been on before the restart of every guest lost earlier is owed: an
 * `ha-enable` still under way when the quiesce began decides within HA_ENABLE_DECISION_MS_MAX
 * (20 s), and a restart then takes T + T/2 and a round (VOPR_HA_TIMEOUT_MS 5 s): well inside the
 * quiesce's 60 s, with 30 s to spare.
 */
export const HA_ON_BEFORE_RESTART_OWED_MS = 30_000;

/**
 * The cluster's HA setting as the statefile holds it (what every host and the scheduler read), and
 * what the user was told of it: the checkers' reference for "HA off restarts nothing" and "HA on
 * again restarts what was lost".
 */
export class HaSettingView {
  /** When an `ha-disable` last answered the user (simulated ms). */
  private toldOffAtMs: number | undefined;
  /** The user's switches and their answers, for the report. */
  readonly counts = { enabled: 0, enableRefused: 0, disabled: 0, declaredDead: 0, powerStateReset: 0 };

  constructor(private readonly cluster: SimCluster) {}

  /** HA is on in the statefile now. */
  get enabled(): boolean {
    return parseHaConfig(this.cluster.kv.peek(HA_CONFIG_KEY)?.value).enabled;
  }

  /** `xsim ha-disable` answered: HA is off, and the user relies on it from now on. */
  noteToldOff(atMs: number): void {
    this.toldOffAtMs = atMs;
    this.counts.disabled++;
  }

  /**
   * HA is off and the user knows it: never enabled (the key absent, the product's default), or
   * the setting was last written no later than an `ha-disable` answered. HA restarts nothing then
   * (docs/specs/ha.md §1, §4 rule 1). An `ha-disable` whose answer is still on its way leaves the
   * scheduler's round under way free to finish.
   */
  offAsTold(): boolean {
    const entry = this.cluster.kv.peek(HA_CONFIG_KEY);
    if (entry === undefined) return true;
    if (parseHaConfig(entry.value).enabled) return false;
    const writtenAtMs = this.cluster.kv.peekWrittenAtMs(HA_CONFIG_KEY) ?? 0;
    return this.toldOffAtMs !== undefined && this.toldOffAtMs >= writtenAtMs;
  }

  /** HA has been on, without a break, for at least `durationMs` now. */
  onForAtLeast(durationMs: number): boolean {
    if (!this.enabled) return false;
    const writtenAtMs = this.cluster.kv.peekWrittenAtMs(HA_CONFIG_KEY) ?? 0;
    return this.cluster.clock.nowMs() - writtenAtMs >= durationMs;
  }
}
