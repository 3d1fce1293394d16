import { describe, expect, it } from "vitest";
import { vbdDevid } from "./vdev.js";

describe("vbdDevid", () => {
  it("numbers disks as docs/misc/vbd-interface.txt does", () => {
    expect(vbdDevid("xvda")).toBe(51712);
    expect(vbdDevid("xvdb")).toBe(51728);
    expect(vbdDevid("hda")).toBe(768);
    expect(vbdDevid("hdc")).toBe(5632);
    expect(vbdDevid("sda")).toBe(2048);
    expect(vbdDevid("nvme0")).toBeUndefined();
  });
});
