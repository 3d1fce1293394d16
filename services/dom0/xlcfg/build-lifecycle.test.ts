import { describe, expect, it } from "vitest";
import { readLifecycle } from "./build-lifecycle.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

function lifecycle(text: string): ReturnType<typeof readLifecycle> {
  return readLifecycle(new SettingsReader(parseXlCfg(text, "l.cfg").settings));
}

describe("readLifecycle", () => {
  it("reads actions over the defaults", () => {
    expect(lifecycle('on_crash = "coredump-restart"\non_reboot = "rename-restart"')).toEqual({
      onPoweroff: "destroy",
      onReboot: "rename-restart",
      onWatchdog: "destroy",
      onCrash: "coredump-restart",
      onSoftReset: "soft-reset",
    });
  });

  it("refuses an unknown action", () => {
    expect(() => lifecycle('on_poweroff = "reboot"')).toThrow(
      'l.cfg:1:15: unknown on_poweroff action "reboot"',
    );
  });
});
