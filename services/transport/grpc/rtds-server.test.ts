import { describe, expect, it } from "vitest";
import { schedRtdsProblem } from "./rtds-server.js";

describe("main_sched_rtds's option checks", () => {
  const request = {
    domain: "",
    vcpus: [] as number[],
    allVcpus: false,
    periodsUs: [] as number[],
    budgetsUs: [] as number[],
    extratimes: [] as boolean[],
    cpupool: "",
  };
  it("answers xl's messages, in xl's order", () => {
    expect(schedRtdsProblem(request)).toBeUndefined();
    expect(schedRtdsProblem({ ...request, cpupool: "rt", allVcpus: true })).toBe(
      "Specifying a cpupool is not allowed with other options.",
    );
    expect(schedRtdsProblem({ ...request, vcpus: [0] })).toBe("Missing parameters.");
    expect(schedRtdsProblem({ ...request, domain: "d", periodsUs: [1] })).toBe("Must specify VCPU.");
    expect(schedRtdsProblem({ ...request, domain: "d", vcpus: [0], allVcpus: true })).toBe(
      "Incorrect VCPU IDs.",
    );
    // xl wants -e with every -p and -b: p_index != e_index.
    expect(schedRtdsProblem({ ...request, domain: "d", vcpus: [0], periodsUs: [100], budgetsUs: [50] })).toBe(
      "Incorrect number of period, budget and extratime",
    );
    const one = { periodsUs: [100], budgetsUs: [50], extratimes: [true] };
    expect(schedRtdsProblem({ ...request, domain: "d", vcpus: [0], ...one })).toBeUndefined();
    expect(schedRtdsProblem({ ...request, domain: "d", vcpus: [0, 1], ...one })).toBe(
      "Incorrect number of period, budget and extratime",
    );
    expect(schedRtdsProblem({ ...request, domain: "d", allVcpus: true, ...one })).toBeUndefined();
  });
});
