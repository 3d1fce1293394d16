import { describe, expect, it } from "vitest";
import { readBoot } from "./build-boot.js";
import type { DomainType } from "./domain-config.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

const TYPE_AT = { file: "b.cfg", line: 9, column: 1 };

function boot(text: string, type: DomainType = "pv"): ReturnType<typeof readBoot> {
  return readBoot(new SettingsReader(parseXlCfg(text, "b.cfg").settings), type, TYPE_AT);
}

describe("readBoot", () => {
  it("lets cmdline win over root and extra, else joins them", () => {
    expect(boot('kernel = "/k"\ncmdline = "c"\nroot = "/dev/xvda1"').cmdline).toBe("c");
    expect(boot('kernel = "/k"\nroot = "/dev/xvda1"\nextra = "ro quiet"').cmdline).toBe(
      "root=/dev/xvda1 ro quiet",
    );
    expect(boot('kernel = "/k"\nroot = "/dev/xvda1"').cmdline).toBe("root=/dev/xvda1");
    expect(boot('kernel = "/k"').cmdline).toBeUndefined();
  });

  it("needs a kernel, bootloader or pvgrub firmware for PV and PVH", () => {
    expect(boot('bootloader = "pygrub"').bootloader).toBe("pygrub");
    expect(boot('firmware = "pvgrub64"').firmware).toBe("pvgrub64");
    expect(() => boot("")).toThrow("b.cfg:9:1: PV guest needs kernel or bootloader");
    expect(() => boot("", "pvh")).toThrow("b.cfg:9:1: PVH guest needs kernel or bootloader");
    expect(boot('boot = "dc"', "hvm")).toEqual({ boot: "dc" });
  });

  it("refuses other PV firmware and firmware with a kernel", () => {
    expect(() => boot('firmware = "ovmf"')).toThrow(
      "b.cfg:1:12: only pvgrub32 or pvgrub64 may be the firmware of a pv guest",
    );
    expect(() => boot('kernel = "/k"\nfirmware = "pvgrub32"')).toThrow(
      "b.cfg:2:12: both kernel and firmware specified",
    );
    expect(boot('firmware = "ovmf"', "hvm").firmware).toBe("ovmf");
  });
});
