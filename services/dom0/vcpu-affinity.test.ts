import { describe, expect, it } from "vitest";
import { hostCpus } from "../core/numa.js";

const CPUS4 = hostCpus({ pcpuCount: 4, memoryMib: 1024 });
import { ToolstackError } from "./errors.js";
import { affinityTexts, configAffinityPins, configAffinityValue, parseAffinity } from "./vcpu-affinity.js";

describe("parseAffinity", () => {
  it("normalises a cpu list to xl's cpumap text", () => {
    expect(parseAffinity("x", "3,0-1,^1", CPUS4)).toEqual({ pcpus: [0, 3], text: "0,3" });
    expect(parseAffinity("x", "0-3", CPUS4)).toEqual({ pcpus: [0, 1, 2, 3], text: "all" });
  });

  it("turns a bad list into INVALID_ARGUMENT that says where it came from", () => {
    expect(() => parseAffinity('xl.cfg cpus = "9"', "9", CPUS4)).toThrow(ToolstackError);
    expect(() => parseAffinity('xl.cfg cpus = "9"', "9", CPUS4)).toThrow(
      /^xl\.cfg cpus = "9": cpu list "9": pCPU 9/,
    );
  });
});

describe("configAffinityPins", () => {
  it("reads a string as every vCPU's and a list as one item per vCPU, dropping items past maxvcpus", () => {
    expect(configAffinityPins("cpus", undefined, CPUS4, 2)).toEqual([]);
    expect(configAffinityPins("cpus", "1", CPUS4, 2)).toEqual([{ vcpu: "all", pcpus: [1], text: "1" }]);
    expect(configAffinityPins("cpus_soft", ["1", "2", "3"], CPUS4, 2).map((p) => [p.vcpu, p.text])).toEqual([
      [0, "1"],
      [1, "2"],
    ]);
  });
});

describe("affinityTexts and configAffinityValue", () => {
  it("apply pins over a base and fold the result back into an xl.cfg value", () => {
    const texts = affinityTexts([{ vcpu: 1, pcpus: [2], text: "2" }], 3);
    expect(texts).toEqual(["all", "2", "all"]);
    expect(affinityTexts([{ vcpu: "all", pcpus: [0], text: "0" }], 2, ["1", "2"])).toEqual(["0", "0"]);
    expect(configAffinityValue(texts)).toEqual(["all", "2", "all"]);
    expect(configAffinityValue(["0-1", "0-1"])).toBe("0-1");
    expect(configAffinityValue(["all", "all"])).toBeUndefined();
  });
});
