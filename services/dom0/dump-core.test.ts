import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xxh64 } from "@node-rs/xxhash";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { PAGE_SIZE_BYTES } from "../core/units.js";
import { Toolstack } from "./toolstack.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import { CORE_HEADER_BYTE_COUNT, dumpCore } from "./dump-core.js";

describe("dump-core", () => {
  it("writes a header and every page in pfn order; the page data hashes to the memory checksum", () => {
    const clock = new SimulatedClock();
    const spec = { hostId: "h1", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 };
    const ts = new Toolstack(spec, { memoryMib: 256, vcpus: 1 }, clock, new Prng(3));
    const text = 'name = "web"\nkernel = "/k"\nmemory = 8\nxsim_workload = "uniform:rate=50000"\n';
    const record = ts.create(loadDomainConfig(text, "web.cfg", [], new Prng(1)));
    for (let i = 0; i < 20; i++) {
      clock.advanceMs(10);
      ts.hypervisor.tick();
    }
    const dir = mkdtempSync(join(tmpdir(), "xsim-core-"));
    try {
      const path = join(dir, "web.core");
      const dump = dumpCore(ts, "web", path);
      const file = readFileSync(path);
      const pageCount = (8 * 1024 * 1024) / PAGE_SIZE_BYTES;
      expect([dump.pageCount, dump.byteCount, file.length]).toEqual([
        pageCount,
        CORE_HEADER_BYTE_COUNT + pageCount * PAGE_SIZE_BYTES,
        CORE_HEADER_BYTE_COUNT + pageCount * PAGE_SIZE_BYTES,
      ]);
      expect(file.subarray(0, 8).toString("latin1")).toBe("XSIMCORE");
      expect([file.readUInt32LE(8), file.readUInt32LE(12), file.readUInt32LE(16)]).toEqual([
        1,
        4096,
        record.domid,
      ]);
      expect(file.readBigUInt64LE(24)).toBe(BigInt(pageCount));
      expect(file.subarray(32, 48).toString("hex")).toBe(record.uuid.replaceAll("-", ""));
      const dataChecksum = xxh64(file.subarray(CORE_HEADER_BYTE_COUNT)).toString(16).padStart(16, "0");
      expect(dataChecksum).toBe(dump.checksum);
      expect(ts.domainOf(record).memory.populatedPageCount()).toBeGreaterThan(0);
      expect(ts.dmesg.read().at(-1)).toMatch(/d1 \(web\): core dumped, 2048 pages$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses Domain-0 and unknown domains without writing a file", () => {
    const ts = new Toolstack(
      { hostId: "h1", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 },
      { memoryMib: 256, vcpus: 1 },
      new SimulatedClock(),
      new Prng(3),
    );
    expect(() => dumpCore(ts, "Domain-0", "/nonexistent/x")).toThrow(/not permitted on Domain-0/);
    expect(() => dumpCore(ts, "nobody", "/nonexistent/x")).toThrow(/nobody/);
  });

  it("onto a full device: refused naming the errno, and the guest runs on", () => {
    const ts = new Toolstack(
      { hostId: "h1", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 },
      { memoryMib: 256, vcpus: 1 },
      new SimulatedClock(),
      new Prng(3),
    );
    ts.create(loadDomainConfig('name = "web"\nkernel = "/k"\nmemory = 8\n', "web.cfg", [], new Prng(1)));
    // Linux's /dev/full: every write fails with ENOSPC, as a full disk does.
    let error: unknown;
    try {
      dumpCore(ts, "web", "/dev/full");
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message:
        "cannot write /dev/full: no space left on the device (ENOSPC); no core was dumped; web runs on",
    });
    expect(ts.domainOf(ts.requireDomain("web")).paused).toBe(false);
  });
});
