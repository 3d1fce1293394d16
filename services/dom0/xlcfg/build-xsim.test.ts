import { describe, expect, it } from "vitest";
import { readXsim } from "./build-xsim.js";
import type { DomainType } from "./domain-config.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

function xsim(text: string, type: DomainType = "hvm"): ReturnType<typeof readXsim> {
  return readXsim(new SettingsReader(parseXlCfg(text, "x.cfg").settings), type);
}

describe("readXsim", () => {
  it("reads xensim's keys", () => {
    const text =
      'xsim_workload = "wws:hot=64M,rate=20000"\nxsim_os = "windows"\nxsim_ha = "best-effort"\nxsim_seed = 42';
    expect(xsim(text)).toEqual({
      workload: "wws:hot=64M,rate=20000",
      os: "windows",
      ha: "best-effort",
      seed: 42,
    });
  });

  it("keeps xsim_cpu as text for the toolstack to check against the host", () => {
    expect(xsim('xsim_cpu = "io:burst=1ms,sleep=10ms"')).toEqual({ cpu: "io:burst=1ms,sleep=10ms" });
    expect(xsim('xsim_cpu = "nonsense"')).toEqual({ cpu: "nonsense" });
  });

  it("refuses a Windows guest that is not HVM", () => {
    expect(() => xsim('xsim_os = "Windows"', "pvh")).toThrow(
      'x.cfg:1:11: a Windows guest must be HVM (type is "pvh")',
    );
    expect(xsim('xsim_os = "linux"', "pv")).toEqual({ os: "linux" });
  });

  it("refuses bad values and unknown xsim keys", () => {
    expect(() => xsim('xsim_ha = "always"')).toThrow('x.cfg:1:11: invalid xsim_ha "always"');
    expect(() => xsim("xsim_seed = 0x100000000")).toThrow('x.cfg:1:13: "xsim_seed" is 4294967296');
    expect(() => xsim("a = 1\nxsim_cpus = 1")).toThrow('x.cfg:2:1: unknown xsim key "xsim_cpus"');
  });
});
