import { describe, expect, it } from "vitest";
import { parseDiskSpec } from "./disk-spec.js";

describe("parseDiskSpec", () => {
  it("gives equal specs for the four equivalent forms of xl-disk-configuration(5)", () => {
    const expected = {
      target: "/dev/vg/guest-volume",
      format: "raw",
      vdev: "hda",
      access: "rw",
      devtype: "disk",
      backend: "Domain-0",
    };
    expect(parseDiskSpec("/dev/vg/guest-volume,,hda")).toEqual(expected);
    expect(parseDiskSpec("/dev/vg/guest-volume,raw,hda,rw")).toEqual(expected);
    expect(parseDiskSpec("format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume")).toEqual(expected);
    expect(parseDiskSpec("raw:/dev/vg/guest-volume,hda,w")).toEqual(expected);
  });

  it("lets target= take the rest of the string, commas included", () => {
    expect(parseDiskSpec("vdev=xvda, target=/images/a,b.img").target).toBe("/images/a,b.img");
  });

  it("reads the other formats and named keys", () => {
    const disk = parseDiskSpec("/img/g.qcow2,qcow2,xvdb,ro,backend=stor,backendtype=qdisk,script=block-x");
    expect(disk).toEqual({
      target: "/img/g.qcow2",
      format: "qcow2",
      vdev: "xvdb",
      access: "ro",
      devtype: "disk",
      backend: "stor",
      backendtype: "qdisk",
      script: "block-x",
    });
  });

  it("makes a cdrom read-only, by flag, devtype= or the deprecated vdev:cdrom", () => {
    expect(parseDiskSpec("/iso/a.iso,raw,hdc,cdrom")).toMatchObject({ devtype: "cdrom", access: "ro" });
    expect(parseDiskSpec("/iso/a.iso,raw,hdc,rw,devtype=cdrom")).toMatchObject({
      devtype: "cdrom",
      access: "ro",
    });
    expect(parseDiskSpec("/iso/a.iso,raw,hdc:cdrom,r")).toMatchObject({ vdev: "hdc", devtype: "cdrom" });
  });

  it("accepts an empty cdrom drive", () => {
    expect(parseDiskSpec(",hdc:cdrom,r")).toMatchObject({
      target: "",
      vdev: "hdc",
      devtype: "cdrom",
      access: "ro",
    });
  });

  it("ignores the deprecated phy:, file: and tap:aio: prefixes", () => {
    expect(parseDiskSpec("phy:/dev/sdb,xvdb,w")).toMatchObject({
      target: "/dev/sdb",
      vdev: "xvdb",
      format: "raw",
    });
    expect(parseDiskSpec("tap:aio:/img/x,xvdc,r")).toMatchObject({
      target: "/img/x",
      vdev: "xvdc",
      access: "ro",
    });
    expect(parseDiskSpec("tap:qcow2:/img/x,xvdc")).toMatchObject({ format: "qcow2" });
  });

  it("turns the nbd-style prefixes into a block script", () => {
    expect(parseDiskSpec("drbd:res0,xvda")).toMatchObject({ target: "res0", script: "block-drbd" });
  });

  it("explains what is wrong", () => {
    expect(() => parseDiskSpec("/dev/x")).toThrow("no vdev specified");
    expect(() => parseDiskSpec("vdev=xvda")).toThrow("no target specified (and device not removable)");
    expect(() => parseDiskSpec("/dev/x,vmdk,xvda")).toThrow("unknown value for format: 'vmdk'");
    expect(() => parseDiskSpec("/dev/x,raw,xvda,rx")).toThrow("unknown value for access: 'rx'");
    expect(() => parseDiskSpec("/dev/x,raw,xvda,rw,extra")).toThrow(
      "too many positional parameters: 'extra'",
    );
    expect(() => parseDiskSpec("/dev/x,raw,xvda,speed=9")).toThrow("unknown parameter 'speed=9'");
    expect(() => parseDiskSpec("foo:/dev/x,xvda")).toThrow("unknown deprecated disk prefix 'foo:'");
    expect(() => parseDiskSpec("/dev/x,raw,xvda,vdev=xvdb")).toThrow("vdev respecified: 'xvdb'");
    expect(() => parseDiskSpec("/dev/x,qcow,xvda,format=raw")).toThrow("format respecified: 'raw'");
  });
});
