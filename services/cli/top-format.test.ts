import { cPrintf } from "./c-printf.js";
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
    nets: 0,
    vbds: 0,
    vbdOoRequests: 0,
    vbdReadSectors: 0,
    vbdWriteSectors: 0,
    ssid: 0,
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
      nets: 2,
    }),
    domain({
      name: "Domain-0",
      state: "-----r",
      memoryKib: 524288,
      memoryPercent: 12.5,
      maxmemKib: 524288,
      maxmemPercent: 12.5,
      vbds: 1,
      vbdReadRequests: 123_456_789,
      vbdWriteRequests: 7,
      vbdReadSectors: 2_000_000,
      vbdWriteSectors: 56,
      vbdOoRequests: 3,
    }),
  ],
  totalMemoryKib: 4194304,
  freeMemoryKib: 3538944,
  nrCpus: 8,
  cpuMhz: 2400,
  xenVersion: "4.19.0-xensim",
  sampleIntervalMs: 1000,
};

/** do_header: every field's header "%*s" at its default width, one space between (xentop.c fields[]). */
const XENTOP_HEADER = cPrintf(
  "%10s %6s %10s %6s %10s %6s %10s %9s %5s %4s %8s %8s %4s %8s %8s %8s %10s %10s %4s",
  ...["NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "NETS"],
  ...["NETTX(k)", "NETRX(k)", "VBDS", "VBD_OO", "VBD_RD", "VBD_WR", "VBD_RSECT", "VBD_WSECT", "SSID"],
);

describe("formatTopTable (xentop)", () => {
  it("prints xentop's 19 columns in its order at its widths", () => {
    const lines = formatTopTable(REPLY).split("\n");
    expect(lines[0]!.trim().split(/ +/)).toHaveLength(19);
    // VBD_RD widens to INT_FIELD_WIDTH(123456789 + 1) = 9 (adjust_field_widths).
    const header = XENTOP_HEADER.replace("   VBD_RD", "    VBD_RD");
    expect(lines[0]).toBe(header);
    // print_name "%10.10s", print_state, print_cpu "%10llu", print_cpu_pct "%6.1f", print_mem "%10llu",
    // print_mem_pct "%6.1f", print_maxmem "%10llu", print_max_pct "%9.1f", print_vcpus "%5u",
    // print_nets "%4u", print_net_tx/rx "%*llu", print_vbds "%4u", print_vbd_* "%*llu", print_ssid "%4u".
    const row =
      "%10s %6s %10llu %6.1f %10llu %6.1f %10llu %9.1f %5u %4u %8llu %8llu %4u %8s %9s %8s %10s %10s %4u";
    expect(lines[1]).toBe(
      cPrintf(
        row,
        "Domain-0",
        "-----r",
        0,
        0,
        524288,
        12.5,
        524288,
        12.5,
        1,
        0,
        0,
        0,
        1,
        3,
        123456789,
        7,
        2000000,
        56,
        0,
      ),
    );
    expect(lines[2]).toBe(
      cPrintf(
        row,
        "web-fronte",
        "--b---",
        2,
        12.34,
        131072,
        3.2,
        262144,
        6.4,
        2,
        2,
        2,
        0,
        0,
        "-",
        "-",
        "-",
        "-",
        "-",
        0,
      ),
    );
  });

  it("prints whole names with -f", () => {
    expect(formatTopTable(REPLY, { fullName: true }).split("\n")[2]).toMatch(/^web-frontend-1 --b---/);
  });

  it("sorts by the column `s` chose: names A-Z first, figures largest first", () => {
    const names = (sortColumn: number) =>
      formatTopTable(REPLY, { sortColumn })
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(" ")[0]);
    expect(names(0)).toEqual(["Domain-0", "web-fronte"]);
    expect(names(2)).toEqual(["web-fronte", "Domain-0"]); // CPU(sec), most first
    expect(names(4)).toEqual(["Domain-0", "web-fronte"]); // MEM(k)
  });

  it("ends each row with its host when the table covers a cluster", () => {
    const lines = formatTopTable(REPLY, { hostOf: (d) => (d.domid === 0 ? "host1" : "host2") }).split("\n");
    expect(lines[0]).toMatch(/ SSID HOST$/);
    expect(lines[1]).toMatch(/ host1$/);
    expect(lines[2]).toMatch(/ host2$/);
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
