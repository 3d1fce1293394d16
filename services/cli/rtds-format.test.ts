import { describe, expect, it } from "vitest";
import { cPrintf } from "./c-printf.js";
import { RTDS_DOMAIN_HEADER, RTDS_VCPU_HEADER, formatSchedRtdsReply } from "./rtds-format.js";

// The format strings of tools/xl/xl_sched.c (PRIu32 written as u).
const DOMAIN_HEADER = "%-33s %4s %9s %9s %10s";
const DOMAIN_ROW = "%-33s %4d %9d %9d %10s";
const VCPU_HEADER = "%-33s %4s %4s %9s %9s %10s";
const VCPU_ROW = "%-33s %4d %4d %9u %9u %10s";

const EMPTY = { sections: [], domains: [], vcpus: [], set: false };
const vcpu = (
  name: string,
  domid: number,
  vcpuId: number,
  periodUs: number,
  budgetUs: number,
  extratime: boolean,
) => ({ name, domid, vcpu: vcpuId, periodUs, budgetUs, extratime });

describe("sched-rtds output (xl_sched.c)", () => {
  it("prints the headers as sched_rtds_domain_output(-1) and sched_rtds_vcpu_output(-1) do", () => {
    expect(RTDS_DOMAIN_HEADER).toBe(cPrintf(DOMAIN_HEADER, "Name", "ID", "Period", "Budget", "Extratime"));
    expect(RTDS_VCPU_HEADER).toBe(
      cPrintf(VCPU_HEADER, "Name", "ID", "VCPU", "Period", "Budget", "Extratime"),
    );
  });

  it("lists each RTDS pool with 'Cpupool P: sched=RTDS', the header and its domains", () => {
    const domain = { name: "rt-guest", domid: 3, periodUs: 10000, budgetUs: 4000, extratime: true };
    const text = formatSchedRtdsReply({
      ...EMPTY,
      sections: [{ pool: "rt", domains: [domain], vcpus: [], perVcpu: false }],
    });
    expect(text.split("\n")).toEqual([
      "Cpupool rt: sched=RTDS",
      cPrintf(DOMAIN_HEADER, "Name", "ID", "Period", "Budget", "Extratime"),
      cPrintf(DOMAIN_ROW, "rt-guest", 3, 10000, 4000, "yes"),
    ]);
  });

  it("prints vCPU rows with yes/no for extratime, and nothing after a set", () => {
    const text = formatSchedRtdsReply({
      ...EMPTY,
      vcpus: [vcpu("rt-guest", 3, 0, 20000, 5000, false), vcpu("rt-guest", 3, 1, 10000, 4000, true)],
    });
    expect(text.split("\n")).toEqual([
      cPrintf(VCPU_HEADER, "Name", "ID", "VCPU", "Period", "Budget", "Extratime"),
      cPrintf(VCPU_ROW, "rt-guest", 3, 0, 20000, 5000, "no"),
      cPrintf(VCPU_ROW, "rt-guest", 3, 1, 10000, 4000, "yes"),
    ]);
    expect(formatSchedRtdsReply({ ...EMPTY, set: true })).toBe("");
  });
});
