import { describe, expect, it } from "vitest";
import { FixedBandwidthLimit, UNLIMITED_BANDWIDTH } from "./bandwidth.js";
import { DynamicRateLimit } from "./dynamic-rate-limit.js";
import { BandwidthParseError } from "./errors.js";
import { parseBandwidth, parseBytesPerSecond } from "./parse-bandwidth.js";

describe("parseBytesPerSecond", () => {
  it.each<[string, number]>([
    ["100Mbit/s", 12_500_000],
    ["100Mb/s", 12_500_000],
    ["1Gbit/s", 125_000_000],
    ["1.5Gbit", 187_500_000],
    ["800kbit/s", 100_000],
    ["125MB/s", 125_000_000],
    ["10KB/s", 10_000],
    ["1G", 1024 ** 3],
    ["128M", 128 * 1024 ** 2],
    ["64MiB/s", 64 * 1024 ** 2],
    ["4096", 4096],
    ["4096B/s", 4096],
    [" 100 Mbit/s ", 12_500_000],
  ])("%s is %d B/s", (text, bytesPerSecond) => {
    expect(parseBytesPerSecond(text)).toBe(bytesPerSecond);
  });

  it.each(["", "fast", "100 Mbps", "-5MB/s", "1e9", "10Xb/s", "MB/s"])(
    "refuses %j with the accepted forms",
    (text) => {
      expect(() => parseBytesPerSecond(text)).toThrow(BandwidthParseError);
      expect(() => parseBytesPerSecond(text)).toThrow(
        `invalid bandwidth "${text}": expected e.g. "100Mbit/s"`,
      );
    },
  );

  it("refuses a zero rate", () => {
    expect(() => parseBytesPerSecond("0Mbit/s")).toThrow('invalid bandwidth "0Mbit/s": the rate must be > 0');
  });
});

describe("parseBandwidth", () => {
  it("maps the keywords and fixed rates to limits", () => {
    expect(parseBandwidth("unlimited")).toBe(UNLIMITED_BANDWIDTH);
    expect(parseBandwidth("dynamic")).toBeInstanceOf(DynamicRateLimit);
    const fixed = parseBandwidth("125MB/s");
    expect(fixed).toBeInstanceOf(FixedBandwidthLimit);
    expect((fixed as FixedBandwidthLimit).bytesPerSecond).toBe(125_000_000);
  });
});
