import { describe, expect, it } from "vitest";
import {
  backendPath,
  controlShutdownPath,
  domainNamePath,
  domainPath,
  frontendPath,
  memoryStaticMaxPath,
  memoryTargetPath,
  vmPath,
} from "./paths.js";
import { isUuidText } from "../core/uuid-text.js";

describe("xenstore-paths layout", () => {
  it("builds the paths docs/misc/xenstore-paths.pandoc names", () => {
    expect(domainPath(5)).toBe("/local/domain/5");
    expect(domainNamePath(5)).toBe("/local/domain/5/name");
    expect(memoryTargetPath(5)).toBe("/local/domain/5/memory/target");
    expect(memoryStaticMaxPath(5)).toBe("/local/domain/5/memory/static-max");
    expect(controlShutdownPath(5)).toBe("/local/domain/5/control/shutdown");
    expect(frontendPath(5, "vif", 0)).toBe("/local/domain/5/device/vif/0");
    expect(frontendPath(5, "vbd", 51712)).toBe("/local/domain/5/device/vbd/51712");
    expect(backendPath(0, "vif", 5, 0)).toBe("/local/domain/0/backend/vif/5/0");
    const uuid = "6f2b0a1c-3d4e-4f50-8a9b-0c1d2e3f4a5b";
    expect(vmPath(uuid)).toBe(`/vm/${uuid}`);
  });

  it("rejects domids, devids and uuids that cannot be right", () => {
    expect(() => domainPath(-1)).toThrow(/EINVAL/);
    expect(() => domainPath(1.5)).toThrow(/EINVAL/);
    expect(() => domainPath(0x7ff0)).toThrow(/EINVAL/);
    expect(() => frontendPath(5, "vif", -1)).toThrow(/devid -1/);
    expect(() => backendPath(0, "vbd", 0x7fff, 0)).toThrow(/EINVAL/);
    expect(() => vmPath("not-a-uuid")).toThrow(/not a UUID/);
    expect(() => vmPath("../x")).toThrow(/EINVAL/);
  });

  it("takes as UUIDs exactly the texts the UUID regex takes", () => {
    const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const valid = "6f2b0a1c-3d4e-4f50-8a9b-0c1d2e3f4a5b";
    // Each character class's neighbours, so that an off-by-one in a range shows.
    const alphabet = ["/", "0", "9", ":", "@", "A", "F", "G", "`", "a", "f", "g", "-", "é", "\n"];
    let state = 4242;
    const nextIndex = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % bound;
    };
    const texts = ["", valid, valid.toUpperCase(), `${valid}0`, valid.slice(1), valid.replaceAll("-", "0")];
    for (let i = 0; i < 5000; i++) {
      const chars = [...valid];
      for (let change = nextIndex(3); change >= 0; change--) {
        chars[nextIndex(chars.length)] = alphabet[nextIndex(alphabet.length)] as string;
      }
      if (nextIndex(8) === 0) chars.splice(nextIndex(chars.length), 1);
      texts.push(chars.join(""));
    }
    let acceptedCount = 0;
    for (const text of texts) {
      const expected = pattern.test(text);
      expect(isUuidText(text), JSON.stringify(text)).toBe(expected);
      if (expected) {
        acceptedCount++;
        expect(vmPath(text)).toBe(`/vm/${text}`);
      } else expect(() => vmPath(text)).toThrow(/not a UUID/);
    }
    expect(acceptedCount).toBeGreaterThan(500); // both answers are well represented
  });
});
