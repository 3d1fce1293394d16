import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { ToolstackError } from "../errors.js";
import type { DomainConfig } from "../xlcfg/domain-config.js";
import { loadDomainConfig } from "../xlcfg/load.js";
import { grantFrameCountMax, validateIoConfig } from "./validate.js";

function config(lines: string[]): DomainConfig {
  const text = ['name = "g"', 'kernel = "/k"', ...lines].join("\n");
  return loadDomainConfig(`${text}\n`, "g.cfg", [], new Prng(1));
}

function refusal(value: DomainConfig): string {
  try {
    validateIoConfig(value, "g");
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    expect((error as ToolstackError).code).toBe("INVALID_ARGUMENT");
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("validateIoConfig", () => {
  it("accepts a load its devices can carry, and max_grant_frames in range", () => {
    const ok = config([
      "vif = [ '' ]",
      "disk = [ '/dev/a,raw,xvda,rw' ]",
      'xsim_io = "net:tx=1MB/s;disk:write=5"',
    ]);
    expect(() => validateIoConfig(ok, "g")).not.toThrow();
    expect(grantFrameCountMax(config(["max_grant_frames = 4"]))).toBe(4);
  });

  it("refuses a load with nowhere to go", () => {
    expect(refusal(config(['xsim_io = "net:rx=1MB/s"']))).toContain("no vif");
    expect(refusal(config(["disk = [ '/dev/a,raw,xvda,ro' ]", 'xsim_io = "disk:write=5"']))).toContain(
      "no writable disk",
    );
    expect(
      refusal(config(["disk = [ '/dev/cd,raw,hdc,ro,devtype=cdrom' ]", 'xsim_io = "disk:read=5"'])),
    ).toContain("no disk");
  });

  it("checks what a JSON config may carry without the xl.cfg builder", () => {
    const pv = config([]);
    expect(refusal({ ...pv, xsim: { pvDrivers: false } })).toContain("only an HVM guest");
    expect(refusal({ ...pv, xsim: { io: "usb:x=1" } })).toContain('unknown device kind "usb"');
    expect(refusal({ ...pv, other: { max_grant_frames: 0 } })).toContain("max_grant_frames 0");
  });
});
