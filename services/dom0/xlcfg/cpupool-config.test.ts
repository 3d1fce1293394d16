import { describe, expect, it } from "vitest";
import { parseCpupoolConfig } from "./cpupool-config.js";

describe("cpupool config (xlcpupool.cfg(5), xl_cpupool.c main_cpupoolcreate)", () => {
  it("reads name, sched and a cpus list of strings or numbers", () => {
    const text = 'name = "fast"\nsched = "credit"\ncpus = ["6", 7] # two pCPUs\n';
    expect(parseCpupoolConfig(text, "/etc/xen/fast.cfg", [])).toEqual({
      name: "fast",
      sched: "credit",
      cpus: [6, 7],
      source: "/etc/xen/fast.cfg",
    });
  });

  it("takes KEY=VALUE settings after the file's, and a cpus range or nodes", () => {
    expect(parseCpupoolConfig('name = "a"\ncpus = "2-3"\n', "a.cfg", ['name="b"'])).toMatchObject({
      name: "b",
      cpuList: "2-3",
    });
    expect(parseCpupoolConfig(undefined, undefined, ['name="n"', "nodes=[0]"])).toEqual({
      name: "n",
      nodes: [0],
      source: "command line",
    });
  });

  it("names the pool after the file when it has no name, and refuses a missing one", () => {
    expect(parseCpupoolConfig('cpus = ["1"]\n', "pools/batch.cfg", []).name).toBe("batch.cfg");
    expect(() => parseCpupoolConfig(undefined, undefined, ['sched="credit2"'])).toThrow(
      "command line:1:1: Missing cpupool name!",
    );
  });

  it("refuses an unknown scheduler and a bad cpu, with file:line:column", () => {
    expect(() => parseCpupoolConfig('name = "x"\nsched = "sedf"\n', "x.cfg", [])).toThrow(
      'x.cfg:2:9: Unknown scheduler "sedf" (credit, credit2, rtds)',
    );
    expect(() => parseCpupoolConfig('name = "x"\ncpus = ["1", "two"]\n', "x.cfg", [])).toThrow(
      'x.cfg:2:14: cpus: "two" illegal',
    );
  });
});
