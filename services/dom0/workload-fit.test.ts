import { describe, expect, it } from "vitest";
import { parseWorkloadSpec } from "../core/workload/spec.js";
import { checkWorkloadFits, workloadFitProblem } from "./workload-fit.js";

describe("a workload must fit the guest", () => {
  const guestKib = 256 * 1024;

  it("accepts a hot set up to maxmem and workloads without a size", () => {
    for (const text of ["idle", "fill", "uniform:rate=100", "sweep:rate=10", "wws:hot=256M,rate=10"])
      expect(workloadFitProblem(parseWorkloadSpec(text), guestKib)).toBeUndefined();
  });

  it("refuses wws:hot=999G on a 256 MiB guest with INVALID_ARGUMENT naming the field", () => {
    expect(() =>
      checkWorkloadFits(parseWorkloadSpec("wws:hot=999G,rate=10"), guestKib, "xsim_workload"),
    ).toThrow(
      /^xsim_workload: hot set of 1072668082176 bytes is larger than the guest's maxmem of 268435456 bytes \(256 MiB\)$/,
    );
  });
});
