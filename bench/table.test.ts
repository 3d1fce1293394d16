import { describe, it, expect } from "vitest";
import { formatMb, formatRate, formatTable } from "./table.js";

describe("formatTable", () => {
  it("aligns columns and marks goals met or missed", () => {
    const text = formatTable([
      { figure: "rate", value: "2,500/s", goal: ">= 2,000/s", met: true },
      { figure: "rss idle", value: "90.0 MB", goal: "< 80 MB", met: false, detail: "peak 95 MB" },
      { figure: "no goal", value: "1" },
    ]);
    const lines = text.split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^rate\s+2,500\/s\s+>= 2,000\/s\s+met$/);
    expect(lines[3]).toContain("MISSED");
    expect(lines[3]).toMatch(/peak 95 MB$/);
    expect(lines[4]).toBe("no goal   1");
    expect(lines[2]!.indexOf("2,500")).toBe(lines[3]!.indexOf("90.0"));
  });

  it("formats rates and megabytes of 10^6 bytes", () => {
    expect(formatRate(1234.6)).toBe("1,235/s");
    expect(formatMb(78_125)).toBe("80.0 MB");
  });
});
