import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { DEVICE_COUNT_MAX, readDisks, readVifs } from "./build-devices.js";
import { parseXlCfg } from "./parser.js";
import { SettingsReader } from "./settings-reader.js";

function reader(text: string): SettingsReader {
  return new SettingsReader(parseXlCfg(text, "d.cfg").settings);
}

describe("readDisks", () => {
  it("parses each spec", () => {
    const disks = readDisks(reader("disk = ['/a,raw,xvda,rw', '/b.iso,,hdc,devtype=cdrom']"));
    expect(disks.map((disk) => [disk.vdev, disk.devtype, disk.access])).toEqual([
      ["xvda", "disk", "rw"],
      ["hdc", "cdrom", "ro"],
    ]);
  });

  it("refuses a vdev used twice and a non-string item, at the item", () => {
    expect(() => readDisks(reader("disk = ['/a,,xvda', '/b,,xvda']"))).toThrow(
      'd.cfg:1:21: disk 1: vdev "xvda" is already used',
    );
    expect(() => readDisks(reader("disk = [['/a,,xvda']]"))).toThrow(
      'd.cfg:1:9: "disk 0" must be a single value',
    );
  });

  it("limits the number of devices", () => {
    const many = Array.from({ length: DEVICE_COUNT_MAX + 1 }, (_, i) => `'/d${i},,xvd${i}'`).join(",");
    expect(() => readDisks(reader(`disk = [${many}]`))).toThrow(`at most ${DEVICE_COUNT_MAX}`);
  });
});

describe("readVifs", () => {
  it("numbers vifs by list index and fills MACs", () => {
    const vifs = readVifs(reader("vif = ['bridge=br0', '']"), "pv", new Prng(3));
    expect(vifs.map((vif) => [vif.devid, vif.bridge])).toEqual([
      [0, "br0"],
      [1, "xenbr0"],
    ]);
    expect(vifs.every((vif) => vif.mac.startsWith("00:16:3e:"))).toBe(true);
  });

  it("reports a bad spec at its item and refuses a devid used twice", () => {
    expect(() => readVifs(reader("vif = ['', 'mtu=big']"), "pv", new Prng(1))).toThrow(
      "d.cfg:1:12: vif 1 'mtu=big': vif mtu must be a whole number",
    );
    expect(() => readVifs(reader("vif = ['devid=1', '']"), "pv", new Prng(1))).toThrow(
      "d.cfg:1:19: vif 1: devid 1 is already used",
    );
  });
});
