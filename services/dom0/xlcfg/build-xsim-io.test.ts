import { describe, expect, it } from "vitest";
import { readXsim } from "./build-xsim.js";
import type { DomainType } from "./domain-config.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

function xsim(text: string, type: DomainType = "hvm"): ReturnType<typeof readXsim> {
  return readXsim(new SettingsReader(parseXlCfg(text, "x.cfg").settings), type);
}

describe("xsim_io and xsim_pv_drivers", () => {
  it("keeps the I/O spec as written and whether an HVM guest has PV drivers", () => {
    expect(xsim('xsim_io = "net:tx=20MB/s;disk:read=100iops"\nxsim_pv_drivers = 1')).toEqual({
      io: "net:tx=20MB/s;disk:read=100iops",
      pvDrivers: true,
    });
    expect(xsim("xsim_pv_drivers = 0")).toEqual({ pvDrivers: false });
  });

  it("names the file, line and column of a bad spec", () => {
    expect(() => xsim('a = 1\nxsim_io = "net:tx=fast"')).toThrow('x.cfg:2:11: xsim_io "net:tx=fast": net tx');
  });

  it("refuses a PV or PVH guest without PV drivers: it has no emulated devices", () => {
    expect(() => xsim("xsim_pv_drivers = 0", "pvh")).toThrow(
      "x.cfg:1:19: a PVH guest always has PV drivers (only HVM guests have emulated devices)",
    );
    expect(xsim("xsim_pv_drivers = 1", "pv")).toEqual({ pvDrivers: true });
  });
});
