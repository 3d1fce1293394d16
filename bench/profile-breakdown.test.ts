import { describe, expect, it } from "vitest";
import {
  BUSY_BREAKDOWN_PARTS,
  OTHER_LABEL,
  breakdownOf,
  profiled,
  type CpuProfile,
} from "./profile-breakdown.js";

const frame = (id: number, url: string, functionName = "f") => ({ id, callFrame: { url, functionName } });

describe("profile breakdown", () => {
  it("sums each sample's time into the part of the frame on top of the stack", () => {
    const profile: CpuProfile = {
      nodes: [
        frame(1, "file:///x/dist/services/core/memory/page-store.js", "writeU64"),
        frame(2, "file:///x/dist/services/core/sched/engine.js", "advance"),
        frame(3, "", "(garbage collector)"),
        frame(4, "file:///x/dist/services/xenstore/tree.js"),
        frame(5, "node:buffer", "_fill"),
        frame(6, "file:///x/dist/services/dom0/migrate/receiver.js", "push"),
      ],
      samples: [1, 1, 2, 3, 4, 5, 6, 1],
      timeDeltas: [1000, 1000, 2000, 500, 250, 250, 1000, 4000],
    };
    const shares = breakdownOf(profile, BUSY_BREAKDOWN_PARTS);
    const ms = Object.fromEntries(
      shares.map((share) => [share.label.split(" ").slice(0, 2).join(" "), share.ms]),
    );
    expect(ms).toEqual({
      "guest page": 6,
      "host ticks": 2,
      "migration streams": 1,
      "garbage collection": 0.5,
      "other (toolstack,": 0.25,
      "guest memory": 0.25,
    });
    expect(shares[0]?.fraction).toBeCloseTo(6 / 10);
    expect(shares.map((share) => share.ms)).toEqual(
      [...shares.map((share) => share.ms)].sort((a, b) => b - a),
    );
    expect(shares.some((share) => share.label === OTHER_LABEL)).toBe(true);
  });

  it("profiles real work in this process", async () => {
    const { result, profile } = await profiled(() => {
      let sum = 0;
      for (let i = 0; i < 1e6; i++) sum += i;
      return Promise.resolve(sum);
    });
    expect(result).toBe(499999500000);
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(breakdownOf(profile, BUSY_BREAKDOWN_PARTS).length).toBeGreaterThan(0);
  });
});
