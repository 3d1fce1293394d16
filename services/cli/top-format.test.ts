import { describe, expect, it } from "vitest";
import type { TopDomain, TopReply } from "../gen/xensim/v1/host.js";
import { formatTopSummary, formatTopTable } from "./top-format.js";

function domain(overrides: Partial<TopDomain>): TopDomain {
  return {
    name: "d",
    domid: 0,
    state: "-----r",
    cpuTimeNs: 0,
    cpuPercent: 0,
    memoryKib: 0,
    memoryPercent: 0,
    maxmemKib: 0,
    maxmemPercent: 0,
    vcpus: 1,
    netTxBytes: 0,
    netRxBytes: 0,
    vbdReadRequests: 0,
    vbdWriteRequests: 0,
    ...overrides,
  };
}

const REPLY: TopReply = {
  domains: [
    domain({
      name: "web-frontend-1",
      domid: 1,
      state: "--b---",
      cpuTimeNs: 2_900_000_000,
      cpuPercent: 12.34,
      memoryKib: 131072,
      memoryPercent: 3.2,
      maxmemKib: 262144,
      maxmemPercent: 6.4,
      vcpus: 2,
      netTxBytes: 2048,
    }),
    domain({
      name: "Domain-0",
      state: "-----r",
      memoryKib: 524288,
      memoryPercent: 12.5,
      maxmemKib: 524288,
      maxmemPercent: 12.5,
      vbdReadRequests: 123_456_789,
    }),
  ],
  totalMemoryKib: 4194304,
  freeMemoryKib: 3538944,
  nrCpus: 8,
  cpuMhz: 2400,
  xenVersion: "4.19.0-xensim",
  sampleIntervalMs: 1000,
};

describe("formatTopTable (xentop)", () => {
  it("prints xentop's columns at its widths, names cut to 10 and sorted, I/O columns widened", () => {
    const lines = formatTopTable(REPLY).split("\n");
    expect(lines).toEqual([
      "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETTX(k) NETRX(k)    VBD_RD   VBD_WR",
      "  Domain-0 -----r          0    0.0     524288   12.5     524288      12.5     1        0        0 123456789        0",
      "web-fronte --b---          2   12.3     131072    3.2     262144       6.4     2        2        0         0        0",
    ]);
  });

  it("prints whole names with -f", () => {
    expect(formatTopTable(REPLY, { fullName: true }).split("\n")[2]).toMatch(/^web-frontend-1 --b---/);
  });
});

describe("formatTopSummary", () => {
  it("counts domains by state and prints memory in KiB as xentop's do_summary", () => {
    const lines = formatTopSummary(REPLY, new Date(2026, 0, 2, 3, 4, 5)).split("\n");
    expect(lines).toEqual([
      "xentop - 03:04:05   Xen 4.19.0-xensim",
      "2 domains: 1 running, 1 blocked, 0 paused, 0 crashed, 0 dying, 0 shutdown ",
      "Mem: 4194304k total, 655360k used, 3538944k free    CPUs: 8 @ 2400MHz",
    ]);
  });
});
