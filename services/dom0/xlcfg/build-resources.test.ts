import { describe, expect, it } from "vitest";
import { readResources } from "./build-resources.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

function resources(text: string): ReturnType<typeof readResources> {
  return readResources(new SettingsReader(parseXlCfg(text, "r.cfg").settings));
}

describe("readResources", () => {
  it("defaults memory and maxmem to each other, and both to 32 MiB", () => {
    expect(resources("")).toMatchObject({ memoryMib: 32, maxmemMib: 32 });
    expect(resources("memory = 512")).toMatchObject({ memoryMib: 512, maxmemMib: 512 });
    expect(resources("maxmem = 1024")).toMatchObject({ memoryMib: 1024, maxmemMib: 1024 });
    expect(resources("memory = 512\nmaxmem = 1024")).toMatchObject({ memoryMib: 512, maxmemMib: 1024 });
  });

  it("refuses maxmem below memory", () => {
    expect(() => resources("memory = 512\nmaxmem = 256")).toThrow(
      "r.cfg:2:10: maxmem (256 MiB) < memory (512 MiB)",
    );
  });

  it("refuses vcpus outside 1..4096 naming the key, and defaults maxvcpus to vcpus", () => {
    expect(() => resources("vcpus = 0")).toThrow('r.cfg:1:9: "vcpus" is 0, must be between 1 and 4096');
    expect(() => resources("vcpus = 100000")).toThrow('"vcpus" is 100000, must be between 1 and 4096');
    expect(() => resources("vcpus = 2\nmaxvcpus = 5000")).toThrow(
      '"maxvcpus" is 5000, must be between 0 and 4096',
    );
    expect(resources("vcpus = 2\nmaxvcpus = 8")).toMatchObject({ vcpus: 2, maxvcpus: 8 });
    expect(resources("vcpus = 2\nmaxvcpus = 0")).toMatchObject({ vcpus: 2, maxvcpus: 2 });
  });

  it("refuses maxvcpus below vcpus", () => {
    expect(() => resources("vcpus = 4\nmaxvcpus = 2")).toThrow("r.cfg:2:12: maxvcpus < vcpus (2 < 4)");
  });

  it("checks the scheduler parameters' ranges", () => {
    expect(resources("cpu_weight = 512\ncap = 150")).toMatchObject({ cpuWeight: 512, cap: 150 });
    expect(() => resources("cpu_weight = 70000")).toThrow(
      'r.cfg:1:14: "cpu_weight" is 70000, must be between 1 and 65535',
    );
  });

  it("reads cpus as a string or a per-vCPU list and checks the ranges", () => {
    expect(resources('cpus = "0-3,^1"\ncpus_soft = ["2", 3]')).toMatchObject({
      cpus: "0-3,^1",
      cpusSoft: ["2", "3"],
    });
    expect(() => resources('cpus = ["0", "4-2"]')).toThrow("r.cfg:1:14: invalid pcpu range '4-2'");
  });
});
