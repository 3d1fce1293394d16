import { describe, expect, it } from "vitest";
import { CpuListError, parseCpuList } from "./cpu-list.js";

const list = (text: string, pcpuCount = 8) => parseCpuList(text, pcpuCount).list();

describe("parseCpuList", () => {
  it("reads xl's cpu ranges left to right, ^ removing", () => {
    expect(list("0-3,^1")).toEqual([0, 2, 3]);
    expect(list("all,^0-6")).toEqual([7]);
    expect(list("5, 2")).toEqual([2, 5]);
    expect(list("nodes:0,^3")).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(parseCpuList("all", 4).isAll).toBe(true);
  });

  it("names what is wrong", () => {
    expect(() => list("0-9")).toThrow('cpu list "0-9": pCPU 9 does not exist on this host (0..7)');
    expect(() => list("3-1")).toThrow("invalid range '3-1'");
    expect(() => list("^all")).toThrow(`can't combine "^" and "all"`);
    expect(() => list("0,^0")).toThrow("selects no pCPU");
    expect(() => list("node:1")).toThrow("NUMA node 1 does not exist");
    expect(() => list("x")).toThrow(CpuListError);
  });
});

describe("parseCpuList on a host of two NUMA nodes", () => {
  const nodes = [
    [0, 1, 2],
    [3, 4, 5],
  ];
  const numa = (text: string) => parseCpuList(text, 6, nodes).list();
  it("reads node:N and nodes:N-M as the nodes' pCPUs", () => {
    expect(numa("node:1")).toEqual([3, 4, 5]);
    expect(numa("nodes:0-1,^node:0")).toEqual([3, 4, 5]);
    expect(numa("node:0,4")).toEqual([0, 1, 2, 4]);
    expect(() => numa("node:2")).toThrow("NUMA node 2 does not exist (nodes 0..1)");
  });
});
