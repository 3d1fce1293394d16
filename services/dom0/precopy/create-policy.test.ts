import { describe, expect, it } from "vitest";
import { ToolstackError } from "../errors.js";
import { createPolicy, DEFAULT_PRECOPY_POLICY_NAME, PRECOPY_POLICY_NAMES } from "./create-policy.js";
import { PrecopyOptionError, UnknownPrecopyPolicyError } from "./errors.js";
import { buildPrecopyStats } from "./policy.js";

describe("createPolicy", () => {
  it("builds every known policy under its own name, xen by default", () => {
    expect(PRECOPY_POLICY_NAMES.map((name) => createPolicy(name).name)).toEqual([...PRECOPY_POLICY_NAMES]);
    expect(DEFAULT_PRECOPY_POLICY_NAME).toBe("xen");
  });

  it("refuses an unknown name and lists the known ones", () => {
    expect(() => createPolicy("kvm")).toThrow(UnknownPrecopyPolicyError);
    expect(() => createPolicy("kvm")).toThrow(
      'unknown pre-copy policy "kvm"; known policies: xen, xen-legacy, clark, qemu',
    );
    let caught: unknown;
    try {
      createPolicy("Xen");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ToolstackError);
    expect((caught as ToolstackError).code).toBe("INVALID_ARGUMENT");
  });

  it("passes options through to the policy", () => {
    const stats = buildPrecopyStats({ pageCountTotal: 1000, pageCountDirty: 100, rounds: [] });
    expect(createPolicy("xen").decide(stats).action).toBe("continue");
    expect(createPolicy("xen", { dirtyPageCountTarget: 101 }).decide(stats).action).toBe("stop-and-copy");
  });

  it("refuses an option the policy does not use, naming the ones it takes", () => {
    expect(() => createPolicy("xen", { downtimeLimitMs: 100 })).toThrow(
      'option downtimeLimitMs does not apply to pre-copy policy "xen"; it takes: iterationCountMax, dirtyPageCountTarget',
    );
    expect(() => createPolicy("qemu", { bogus: 1 } as never)).toThrow(/option bogus does not apply/);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["xen", { iterationCountMax: 0 }, /iterationCountMax 0 is not a whole number in 1..1000/],
    ["xen", { iterationCountMax: 2.5 }, /iterationCountMax 2.5/],
    ["xen", { dirtyPageCountTarget: -1 }, /dirtyPageCountTarget -1/],
    ["xen-legacy", { sentFactorMax: 0 }, /sentFactorMax 0 is not > 0/],
    ["qemu", { downtimeLimitMs: -5 }, /downtimeLimitMs -5 is not a finite number in 0..2000000/],
    ["qemu", { downtimeLimitMs: NaN }, /downtimeLimitMs NaN/],
    ["qemu", { completionTimeoutMsPerGib: -1 }, /completionTimeoutMsPerGib -1 is not a finite number >= 0/],
    ["qemu", { onLimit: "retry" }, /onLimit "retry" is not "abort" or "stop-and-copy"/],
  ])("refuses %s options %o", (name, options, message) => {
    expect(() => createPolicy(name, options)).toThrow(PrecopyOptionError);
    expect(() => createPolicy(name, options)).toThrow(message);
  });

  it("ignores options set to undefined", () => {
    expect(createPolicy("xen", { downtimeLimitMs: undefined }).name).toBe("xen");
  });
});
