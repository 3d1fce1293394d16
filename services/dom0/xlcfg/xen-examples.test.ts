/**
 * Conformance with Xen's own tools/examples configs. They are not part of the repository: this runs
 * when they are found beside the checkout (tests/support/xl-fixtures.ts) and its title says so when not.
 * The repository's own fixtures cover the same grammar in build.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildDomainConfig } from "./build.js";
import type { DomainConfig } from "./domain-config.js";
import { parseXlCfg } from "./parser.js";
import { xenExamplesDirectory, xenExamplesTitle } from "../../../tests/support/xl-fixtures.js";

const directory = xenExamplesDirectory();

function buildExample(name: string): DomainConfig {
  return buildDomainConfig(parseXlCfg(readFileSync(join(directory!, name), "utf8"), name));
}

describe.runIf(directory !== undefined)(
  xenExamplesTitle("buildDomainConfig on Xen's example configs"),
  () => {
    it("builds xlexample.hvm", () => {
      const config = buildExample("xlexample.hvm");
      expect(config).toMatchObject({
        name: "example.hvm",
        type: "hvm",
        memoryMib: 128,
        maxmemMib: 128,
        vcpus: 2,
      });
      expect(config.disks).toEqual([
        {
          target: "/dev/vg/guest-volume",
          format: "raw",
          vdev: "xvda",
          access: "rw",
          devtype: "disk",
          backend: "Domain-0",
        },
      ]);
      expect(config.vifs[0]).toMatchObject({ devid: 0, model: "rtl8139", type: "ioemu", bridge: "xenbr0" });
      expect(config.other).toEqual({ sdl: 1 });
    });

    it("builds xlexample.pvlinux", () => {
      const config = buildExample("xlexample.pvlinux");
      expect(config).toMatchObject({
        name: "example.pvlinux",
        type: "pv",
        memoryMib: 128,
        vcpus: 2,
        maxvcpus: 2,
      });
      expect(config).toMatchObject({ kernel: "/boot/vmlinuz", cmdline: "root=/dev/xvda1" });
      expect(config.vifs[0]).toMatchObject({ bridge: "xenbr0", script: "vif-bridge", mtu: 1500 });
    });

    it("builds xlexample.pvhlinux", () => {
      const config = buildExample("xlexample.pvhlinux");
      expect(config).toMatchObject({ name: "example.pvhlinux", type: "pvh", memoryMib: 512, vcpus: 4 });
      expect(config.disks[0]).toMatchObject({
        target: "/dev/zvol/tank/guest-volume",
        format: "raw",
        vdev: "xvda",
      });
    });
  },
);
