import { LIFECYCLE_ACTIONS, type LifecycleAction } from "./domain-config.js";
import type { SettingsReader } from "./settings-reader.js";
import { XlCfgError } from "./errors.js";

export interface DomainLifecycle {
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onWatchdog: LifecycleAction;
  onCrash: LifecycleAction;
  onSoftReset: LifecycleAction;
}

/** on_* actions with xl's defaults (tools/xl/xl_parse.c parse_config_data, xl.cfg(5)). */
export function readLifecycle(reader: SettingsReader): DomainLifecycle {
  return {
    onPoweroff: readAction(reader, "on_poweroff", "destroy"),
    onReboot: readAction(reader, "on_reboot", "restart"),
    onWatchdog: readAction(reader, "on_watchdog", "destroy"),
    onCrash: readAction(reader, "on_crash", "destroy"),
    onSoftReset: readAction(reader, "on_soft_reset", "soft-reset"),
  };
}

function readAction(reader: SettingsReader, key: string, fallback: LifecycleAction): LifecycleAction {
  const text = reader.string(key);
  if (text === undefined) return fallback;
  const action = LIFECYCLE_ACTIONS.find((candidate) => candidate === text);
  if (action === undefined) {
    throw new XlCfgError(
      reader.valuePosition(key),
      `unknown ${key} action "${text}" (${LIFECYCLE_ACTIONS.join(", ")})`,
    );
  }
  return action;
}
