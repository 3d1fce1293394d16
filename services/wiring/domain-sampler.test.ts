import { describe, expect, it } from "vitest";
import { parseSamplerArgs, startDomainSampler, type SamplerRead } from "./domain-sampler.js";

describe("parseSamplerArgs", () => {
  it("reads the interval and each HOST=ADDRESS:PORT", () => {
    expect(parseSamplerArgs(["--interval-ms", "20", "host1=observed-host1:50051", "h2=10.0.0.2:1"])).toEqual({
      intervalMs: 20,
      targets: [
        { hostId: "host1", address: "observed-host1:50051" },
        { hostId: "h2", address: "10.0.0.2:1" },
      ],
    });
    expect(parseSamplerArgs(["a=b:1"]).intervalMs).toBe(50);
  });

  it("names what is wrong", () => {
    expect(() => parseSamplerArgs(["--interval-ms", "0", "a=b:1"])).toThrow('--interval-ms "0"');
    expect(() => parseSamplerArgs(["host1"])).toThrow('"host1": give each host as HOST=ADDRESS:PORT');
    expect(() => parseSamplerArgs([])).toThrow("at least one");
  });
});

describe("startDomainSampler", () => {
  it("writes a failed read as a line with the error and goes on reading", async () => {
    const lines: SamplerRead[] = [];
    const sampler = startDomainSampler({
      targets: [{ hostId: "nobody", address: "127.0.0.1:1" }],
      intervalMs: 5,
      write: (line) => lines.push(line),
    });
    while (lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await sampler.stop();
    expect(lines[0]?.host).toBe("nobody");
    expect(lines[0]?.error).toMatch(/UNAVAILABLE|DEADLINE/);
    expect(lines[0]?.domains).toBeUndefined();
    expect(lines[1]!.sentMs).toBeGreaterThanOrEqual(lines[0]!.sentMs);
  });
});
