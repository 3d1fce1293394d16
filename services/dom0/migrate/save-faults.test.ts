import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfinedPaths } from "../confined-paths.js";
import { MigrationManager } from "./migration-manager.js";
import { createGuest, simScheduler } from "./sim-harness.js";
import { saveToFile } from "./save-restore.js";
import { Toolstack } from "../toolstack.js";
import { SimulatedClock } from "../../core/clock.js";
import { Prng } from "../../core/prng.js";
import { ToolstackError } from "../errors.js";

/** Bytes the "disk" takes before it is full: the stream's header and a few records. */
const DISK_BYTES = 64 * 1024;

const disk = vi.hoisted(() => ({ full: false, writtenBytes: 0, onWrite: (): void => undefined }));

// A file system that fills up: each write past DISK_BYTES fails as Linux's write(2) does.
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      const write = handle.write.bind(handle) as (chunk: Uint8Array) => Promise<unknown>;
      (handle as { write: unknown }).write = async (chunk: Uint8Array) => {
        if (disk.full && disk.writtenBytes + chunk.byteLength > DISK_BYTES)
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        disk.writtenBytes += chunk.byteLength;
        disk.onWrite();
        return write(chunk);
      };
      return handle;
    },
  };
});

let stateDir = "";
afterEach(() => {
  disk.full = false;
  disk.writtenBytes = 0;
  disk.onWrite = () => undefined;
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

function toolstackWithGuest() {
  const clock = new SimulatedClock();
  const toolstack = new Toolstack(
    { hostId: "h1", pcpuCount: 2, memoryMib: 1024, hvmCapable: true, cpuMhz: 2400 },
    { memoryMib: 256, vcpus: 1 },
    clock,
    new Prng(3),
  );
  const record = createGuest(toolstack, "web", 16, "idle");
  stateDir = mkdtempSync(join(tmpdir(), "xsim-save-full-"));
  return { clock, toolstack, record, files: new ConfinedPaths(stateDir), manager: new MigrationManager() };
}

describe("xsim save's faults: a full disk, a cancel", () => {
  it("refuses naming the file and the errno; nothing is left of the file, and the guest runs on", async () => {
    const { clock, toolstack, record, files, manager } = toolstackWithGuest();
    const checksum = toolstack.domainOf(record).memory.checksum();
    disk.full = true;
    const request = { domain: "web", path: "web.save", keepRunning: false };
    const error = await saveToFile(toolstack, manager, files, request, simScheduler(clock)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolstackError);
    expect(error).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message:
        "cannot write web.save: no space left on the device (ENOSPC); nothing was saved and web runs on",
    });
    expect(readdirSync(stateDir), "no partial file left").toEqual([]);
    const domain = toolstack.domainOf(toolstack.requireDomain("web"));
    expect(domain.paused).toBe(false);
    expect(domain.memory.checksum()).toBe(checksum);
    expect(manager.outboundCount).toBe(0);
  });

  it("the same save with room writes the file and destroys the guest, as xl save does", async () => {
    const { clock, toolstack, files, manager } = toolstackWithGuest();
    const request = { domain: "web", path: "web.save", keepRunning: false };
    const stats = await saveToFile(toolstack, manager, files, request, simScheduler(clock));
    expect(stats.status).toBe("completed");
    expect(readdirSync(stateDir)).toEqual(["web.save"]);
    expect(manager.list().map((m) => [m.policy, m.status])).toEqual([["save", "completed"]]);
    expect([...toolstack.records.values()].map((r) => r.name)).not.toContain("web");
  });

  it("a save cancelled while it writes (xsim migrate-cancel, Ctrl-C at xsim save): nothing saved, the guest runs on", async () => {
    const { clock, toolstack, record, files, manager } = toolstackWithGuest();
    const checksum = toolstack.domainOf(record).memory.checksum();
    const answers: string[] = [];
    disk.onWrite = () => {
      if (disk.writtenBytes > DISK_BYTES && answers.length === 0)
        answers.push(manager.cancelOutbound("web", "the operator asked").status);
    };
    const request = { domain: "web", path: "web.save", keepRunning: false };
    const error = await saveToFile(toolstack, manager, files, request, simScheduler(clock)).catch(
      (e: unknown) => e,
    );
    expect(answers).toEqual(["cancelling"]);
    expect(error).toMatchObject({
      code: "ABORTED",
      message: "the save of web was cancelled: the operator asked; nothing was saved and the guest runs on",
    });
    expect(readdirSync(stateDir), "no partial file left").toEqual([]);
    const domain = toolstack.domainOf(toolstack.requireDomain("web"));
    expect(domain.paused).toBe(false);
    expect(domain.memory.checksum()).toBe(checksum);
    const listed = manager.list().find((m) => m.domain === "web");
    expect(listed?.status).toBe("cancelled");
    expect(listed?.policy).toBe("save");
    expect(() => manager.cancelOutbound("web", "again")).toThrow(/sends no migration of web/);
  });
});
