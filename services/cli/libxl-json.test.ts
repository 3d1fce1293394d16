import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Prng } from "../core/prng.js";
import { loadDomainConfig } from "../dom0/xlcfg/load.js";
import { DomainInfo } from "../gen/xensim/v1/host.js";
import { formatListLong } from "./format.js";
import { libxlDomainEntry } from "./libxl-json.js";

const FIXTURES = new URL("../../tests/fixtures/xl/", import.meta.url);

function fixture(name: string) {
  return loadDomainConfig(readFileSync(new URL(name, FIXTURES), "utf8"), name, [], new Prng(1));
}

describe("libxl's JSON (libxl_types.idl names, KiB)", () => {
  it("prints create -n as one {domid: null, config} with c_info, b_info, disks, nics", () => {
    const entry = libxlDomainEntry(fixture("guest.pv"));
    expect(Object.keys(entry)).toEqual(["domid", "config", "xsim"]);
    expect(entry.domid).toBeNull();
    expect(Object.keys(entry.config)).toEqual([
      "c_info",
      "b_info",
      "disks",
      "nics",
      "on_poweroff",
      "on_reboot",
      "on_watchdog",
      "on_crash",
      "on_soft_reset",
    ]);
    expect(entry.config).toMatchObject({
      c_info: { type: "pv", name: "fixture.pv" },
      b_info: {
        max_vcpus: 2,
        avail_vcpus: [0, 1],
        max_memkb: 131072,
        target_memkb: 131072,
        sched_params: { weight: 256, cap: 0 },
        kernel: "/boot/vmlinuz",
        cmdline: "root=/dev/xvda1 console='hvc0'",
        "type.pv": {},
      },
      disks: [
        { pdev_path: "/dev/vg/fixture-pv", vdev: "xvda", format: "raw", readwrite: 1, is_cdrom: 0 },
        { pdev_path: "/srv/data-set.img", vdev: "xvdb", format: "raw", readwrite: 0, is_cdrom: 0 },
      ],
      nics: [{ devid: 0, mtu: 1500, bridge: "xenbr0", script: "vif-bridge", nictype: "vif" }],
      on_poweroff: "destroy",
      on_reboot: "restart",
      on_crash: "restart",
      on_soft_reset: "soft_reset",
    });
    expect(entry.xsim).toMatchObject({ workload: "uniform:rate=1000" });
  });

  it("keys an HVM guest's build info under type.hvm and its emulated NIC as vif_ioemu", () => {
    const entry = libxlDomainEntry(fixture("guest.hvm"));
    expect(entry.config.c_info).toMatchObject({ type: "hvm", name: "fixture.hvm" });
    expect(entry.config.b_info).toHaveProperty(["type.hvm"]);
    expect(entry.config.nics).toEqual([expect.objectContaining({ model: "rtl8139", nictype: "vif_ioemu" })]);
    expect(entry).not.toHaveProperty("xsim");
  });

  it("prints list -l as an array with each domain's live memory, vCPUs and uuid", () => {
    const config = fixture("guest.pv");
    const domain = DomainInfo.fromPartial({
      domid: 3,
      name: "fixture.pv",
      uuid: "5a3c0f6e-0000-4000-8000-000000000001",
      memoryKib: 65536,
      maxmemKib: 131072,
      vcpusOnline: 1,
      configJson: JSON.stringify(config),
    });
    const dom0 = DomainInfo.fromPartial({
      domid: 0,
      name: "Domain-0",
      memoryKib: 1048576,
      maxmemKib: 1048576,
      vcpusOnline: 2,
    });
    const entries = JSON.parse(formatListLong([dom0, domain])) as Array<{
      domid: number;
      config: { c_info: Record<string, unknown>; b_info: Record<string, unknown> };
    }>;
    expect(entries.map((e) => e.domid)).toEqual([0, 3]);
    expect(entries[0]!.config).toEqual({
      c_info: { type: "pv", name: "Domain-0" },
      b_info: { max_vcpus: 2, avail_vcpus: [0, 1], max_memkb: 1048576, target_memkb: 1048576 },
    });
    expect(entries[1]!.config.c_info.uuid).toBe("5a3c0f6e-0000-4000-8000-000000000001");
    expect(entries[1]!.config.b_info).toMatchObject({
      target_memkb: 65536,
      max_memkb: 131072,
      avail_vcpus: [0],
    });
  });
});
