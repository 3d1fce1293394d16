import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { generateMac, macPrngForName, normalizeMac } from "./mac-address.js";

describe("generateMac", () => {
  it("stays in Xen's OUI with the fourth octet's top bit clear", () => {
    const prng = new Prng(7);
    for (let i = 0; i < 200; i++) {
      const mac = generateMac(prng);
      expect(mac).toMatch(/^00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    }
  });

  it("is deterministic for a seed and for a name", () => {
    expect(generateMac(new Prng(1))).toBe(generateMac(new Prng(1)));
    expect(generateMac(macPrngForName("web"))).toBe(generateMac(macPrngForName("web")));
    expect(generateMac(macPrngForName("web"))).not.toBe(generateMac(macPrngForName("db")));
  });
});

describe("normalizeMac", () => {
  it("pads and lower-cases octets", () => {
    expect(normalizeMac("0:16:3E:A:b:c")).toBe("00:16:3e:0a:0b:0c");
  });

  it("rejects anything but six hex octets", () => {
    expect(normalizeMac("00:16:3e:00:00")).toBeUndefined();
    expect(normalizeMac("00-16-3e-00-00-00")).toBeUndefined();
    expect(normalizeMac("00:16:3e:00:00:100")).toBeUndefined();
  });
});
