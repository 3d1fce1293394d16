import { describe, expect, it } from "vitest";
import { IoSpecError, formatIoSpec, parseIoSpec } from "./io-spec.js";

describe("parseIoSpec (xsim_io)", () => {
  it("reads net rates and disk request rates, with 4K requests by default", () => {
    expect(parseIoSpec("net:tx=20MB/s,rx=5MB/s;disk:read=100iops,write=50iops,size=8K")).toEqual({
      net: { txBytesPerSecond: 20e6, rxBytesPerSecond: 5e6 },
      disk: { readRequestsPerSecond: 100, writeRequestsPerSecond: 50, requestByteCount: 8192 },
    });
    expect(parseIoSpec("disk:read=10")).toEqual({
      disk: { readRequestsPerSecond: 10, writeRequestsPerSecond: 0, requestByteCount: 4096 },
    });
    expect(parseIoSpec("net:tx=100Mbit/s")).toEqual({
      net: { txBytesPerSecond: 12.5e6, rxBytesPerSecond: 0 },
    });
    expect(parseIoSpec("none")).toEqual({});
  });

  it("formats back to a spec that parses to the same thing", () => {
    for (const text of ["net:tx=1.5MB/s,rx=0", "disk:read=7iops,write=3,size=44K", "none"]) {
      const spec = parseIoSpec(text);
      expect(parseIoSpec(formatIoSpec(spec))).toEqual(spec);
    }
  });

  it("refuses bad specs and says what is wrong", () => {
    const error = (text: string) => () => parseIoSpec(text);
    expect(error("usb:rate=1")).toThrow(
      'xsim_io "usb:rate=1": unknown device kind "usb" (expected net or disk)',
    );
    expect(error("net:tx=fast")).toThrow('net tx: "fast" is not a rate');
    expect(error("net:speed=1MB/s")).toThrow('unknown parameter "speed" for net (expected tx, rx)');
    expect(error("disk:read=lots")).toThrow('disk read: "lots" is not a request rate');
    expect(error("disk:read=1,size=1000")).toThrow("not a whole number of 512-byte sectors");
    expect(error("disk:read=1,size=64K")).toThrow("above one blkif request (44K)");
    expect(error("net:tx=1MB/s;net:rx=1MB/s")).toThrow("net given twice");
    expect(error("disk:read=2000000iops")).toThrow("above 1000000iops");
    expect(error("net:tx")).toThrow(IoSpecError);
  });
});
