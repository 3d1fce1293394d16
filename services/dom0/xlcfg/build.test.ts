import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { buildDomainConfig } from "./build.js";
import type { DomainConfig } from "./domain-config.js";
import { parseXlCfg } from "./parser.js";

/** The repository's own xl.cfg fixtures (tests/fixtures/xl/README.md); Xen's are in xen-examples.test.ts. */
const FIXTURE_DIRECTORY = new URL("../../../tests/fixtures/xl/", import.meta.url);

function buildFixture(name: string): DomainConfig {
  return buildDomainConfig(parseXlCfg(readFileSync(new URL(name, FIXTURE_DIRECTORY), "utf8"), name));
}

function build(text: string, overrides: string[] = []): DomainConfig {
  return buildDomainConfig(parseXlCfg(text, "guest.cfg"), overrides);
}

function errorOf(text: string, overrides: string[] = []): string {
  try {
    build(text, overrides);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a config error");
}

const PV = 'name = "g"\nkernel = "/boot/vmlinuz"\n';

describe("buildDomainConfig on the repository's fixtures", () => {
  it("builds guest.hvm: hex and octal numbers, ';', nested lists kept in other", () => {
    const config = buildFixture("guest.hvm");
    expect(config).toMatchObject({
      name: "fixture.hvm",
      type: "hvm",
      memoryMib: 128,
      maxmemMib: 128,
      vcpus: 2,
    });
    expect(config.disks).toEqual([
      {
        target: "/dev/vg/fixture-hvm",
        format: "raw",
        vdev: "xvda",
        access: "rw",
        devtype: "disk",
        backend: "Domain-0",
      },
    ]);
    expect(config.vifs).toHaveLength(1);
    expect(config.vifs[0]).toMatchObject({
      devid: 0,
      model: "rtl8139",
      type: "ioemu",
      bridge: "xenbr0",
      mtu: 1500,
    });
    expect(config.vifs[0]!.mac).toMatch(/^00:16:3e:/);
    expect(config.other).toEqual({
      sdl: 1,
      viridian: ["defaults", "time_ref_count"],
      vnuma: [
        ["pnode=0", "size=64", "vcpus=0", "vdistances=10,20"],
        ["pnode=1", "size=64", "vcpus=1", "vdistances=20,10"],
      ],
    });
    expect(config.uuid).toBeUndefined();
  });

  it("builds guest.pv: escapes, += on a string and a list, xsim keys", () => {
    const config = buildFixture("guest.pv");
    expect(config).toMatchObject({ name: "fixture.pv", type: "pv", memoryMib: 128, vcpus: 2, maxvcpus: 2 });
    expect(config).toMatchObject({ kernel: "/boot/vmlinuz", cmdline: "root=/dev/xvda1 console='hvc0'" });
    expect(config.disks.map((disk) => [disk.target, disk.vdev, disk.access])).toEqual([
      ["/dev/vg/fixture-pv", "xvda", "rw"],
      ["/srv/data-set.img", "xvdb", "ro"],
    ]);
    expect(config.vifs[0]).toMatchObject({
      bridge: "xenbr0",
      script: "vif-bridge",
      backend: "Domain-0",
      mtu: 1500,
    });
    expect(config.vifs[0]!.model).toBeUndefined();
    expect(config.onCrash).toBe("restart");
    expect(config.xsim).toMatchObject({ workload: "uniform:rate=1000" });
  });

  it("builds guest.pvh: settings on one line, tab and octal escapes", () => {
    const config = buildFixture("guest.pvh");
    expect(config).toMatchObject({
      name: "fixture.pvh",
      type: "pvh",
      memoryMib: 512,
      maxmemMib: 512,
      vcpus: 4,
    });
    expect(config.cmdline).toBe("root=/dev/xvda1\tro 1");
    expect(config.disks[0]).toMatchObject({
      target: "/dev/zvol/tank/fixture-pvh",
      format: "raw",
      vdev: "xvda",
    });
  });

  it("produces plain JSON", () => {
    const config = buildFixture("guest.hvm");
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it("keeps its keys in one order, so a config's JSON (replies, saved state) stays byte-for-byte the same", () => {
    const text = `${PV}uuid = "6F9A6C2E-3F55-4A1B-9C3D-1E2F3A4B5C6D"
cpus = "0-1"
pool = "Pool-0"
sdl = 0
`;
    expect(Object.keys(build(text))).toEqual(
      ["name", "uuid", "type", "memoryMib", "maxmemMib", "vcpus", "maxvcpus", "cpuWeight", "cap"]
        .concat(["cpus", "pool", "onPoweroff", "onReboot", "onWatchdog", "onCrash", "onSoftReset"])
        .concat(["kernel", "nomigrate", "disks", "vifs", "xsim", "other"]),
    );
  });
});

describe("buildDomainConfig defaults", () => {
  it("fills xl.cfg(5)'s defaults", () => {
    const config = build(PV);
    expect(config).toMatchObject({
      type: "pv",
      memoryMib: 32,
      maxmemMib: 32,
      vcpus: 1,
      maxvcpus: 1,
      cpuWeight: 256,
      cap: 0,
      onPoweroff: "destroy",
      onReboot: "restart",
      onWatchdog: "destroy",
      onCrash: "destroy",
      onSoftReset: "soft-reset",
      nomigrate: false,
      disks: [],
      vifs: [],
      xsim: {},
      other: {},
    });
  });

  it("keeps unknown keys in other as JSON", () => {
    const config = build(PV + "vnc = 1\nviridian = ['defaults', 'time_ref_count']\nkeymap = 'de'");
    expect(config.other).toEqual({ vnc: 1, viridian: ["defaults", "time_ref_count"], keymap: "de" });
  });
});

describe("buildDomainConfig overrides", () => {
  it("applies xl create key=value arguments after the file", () => {
    const config = build(PV + "memory = 128\nvcpus = 1", [
      "memory=512",
      "vcpus=2; name='h'",
      "extra='quiet'",
    ]);
    expect(config).toMatchObject({ memoryMib: 512, vcpus: 2, name: "h", cmdline: "quiet" });
  });

  it("names <command line> in errors about an override", () => {
    expect(errorOf(PV, ["memory=512", "vcpus=2+1"])).toMatch(/^<command line>:1:8: unexpected '\+'/);
    expect(errorOf(PV, ["maxvcpus=1", "vcpus=2"])).toBe("<command line>:1:10: maxvcpus < vcpus (1 < 2)");
  });

  it("leaves the parsed file unchanged", () => {
    const file = parseXlCfg(PV + "memory = 128", "guest.cfg");
    buildDomainConfig(file, ["memory=512"]);
    expect(buildDomainConfig(file).memoryMib).toBe(128);
  });

  it("without overrides reads the file's settings without copying them, to the same config", () => {
    const file = parseXlCfg(PV + "memory = 128\nfoo = 'bar'", "guest.cfg");
    const settings = new IterationCountingMap(file.settings);
    const config = buildDomainConfig({ ...file, settings });
    expect(settings.iterationCount).toBe(0); // a copy (new Map(settings)) iterates it
    expect(config).toEqual(buildDomainConfig(file, [""]));
    expect(config).toMatchObject({ memoryMib: 128, other: { foo: "bar" } });
  });
});

/** A Map that counts how often it is iterated as a whole (what copying it does). */
class IterationCountingMap<K, V> extends Map<K, V> {
  iterationCount = 0;

  override [Symbol.iterator](): MapIterator<[K, V]> {
    this.iterationCount++;
    return super[Symbol.iterator]();
  }
}

describe("buildDomainConfig MACs", () => {
  it("draws MACs from the given PRNG in vif order", () => {
    const text = PV + "vif = ['', 'mac=00:16:3e:00:00:01', '']";
    const first = buildDomainConfig(parseXlCfg(text, "g.cfg"), [], { prng: new Prng(5) });
    const again = buildDomainConfig(parseXlCfg(text, "g.cfg"), [], { prng: new Prng(5) });
    expect(first.vifs.map((vif) => vif.mac)).toEqual(again.vifs.map((vif) => vif.mac));
    expect(first.vifs[1]!.mac).toBe("00:16:3e:00:00:01");
    expect(first.vifs[0]!.mac).not.toBe(first.vifs[2]!.mac);
  });

  it("derives MACs from the name without a PRNG", () => {
    const text = PV + "vif = ['']";
    expect(build(text).vifs[0]!.mac).toBe(build(text).vifs[0]!.mac);
    expect(build(text).vifs[0]!.mac).not.toBe(build(text, ["name='other'"]).vifs[0]!.mac);
  });
});

describe("buildDomainConfig errors name the offending setting", () => {
  it("missing name", () => {
    expect(errorOf('kernel = "/k"')).toBe('guest.cfg:1:1: domain name must be specified (name = "...")');
  });

  it("wrong value kinds", () => {
    expect(errorOf(PV + "memory = 'lots'")).toMatch(/^guest\.cfg:3:10: "memory" must be a number/);
    expect(errorOf(PV + "vcpus = [2]")).toBe('guest.cfg:3:9: "vcpus" must be a single value, not a list');
  });

  it("PV without kernel or bootloader, at the type setting", () => {
    expect(errorOf('name = "g"\n\ntype = "pv"')).toBe("guest.cfg:3:1: PV guest needs kernel or bootloader");
    expect(errorOf('memory = 64\nname = "g"')).toBe("guest.cfg:2:1: PV guest needs kernel or bootloader");
  });

  it("Windows not HVM", () => {
    expect(errorOf(PV + 'xsim_os = "windows"')).toBe(
      'guest.cfg:3:11: a Windows guest must be HVM (type is "pv")',
    );
  });

  it("unknown xsim key", () => {
    expect(errorOf(PV + "\n  xsim_wrokload = 'x'")).toMatch(
      /^guest\.cfg:4:3: unknown xsim key "xsim_wrokload"/,
    );
  });

  it("a bad disk spec at its list item", () => {
    expect(errorOf(PV + "disk = [\n  '/a,raw,xvda',\n  '/b,raw' ]")).toBe(
      "guest.cfg:5:3: disk 1 '/b,raw': no vdev specified",
    );
  });
});
