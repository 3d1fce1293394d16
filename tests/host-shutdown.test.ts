import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  domainsOf,
  setWorkload,
  startTestHost,
  stopTestHost,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import { RELAXED_HEARTBEAT_MS, startSchedulerCluster, waitForSynced } from "./support/scheduler-cluster.js";

const GUEST_MEMORY_MIB = 16;
const GUESTS = ["sd-a", "sd-b"];
const dirs: string[] = [];

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "xsim-state-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Guests with filled memory, then idle, and their checksums. */
async function filledGuests(host: TestHost): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  for (const name of GUESTS) {
    await createFilledGuest(host, name, GUEST_MEMORY_MIB, "uniform:rate=500");
    await setWorkload(host, name, "idle");
    sums.set(name, await checksumOf(host, name));
  }
  return sums;
}

function xendomains(dir: string): string[] {
  return ["--on-shutdown", "xendomains", "--state-dir", dir];
}

// xendomains stop/start: SIGTERM of a host never makes a guest silently vanish.
describe("SIGTERM of a host (xendomains)", () => {
  it("live-migrates its guests to another host through the scheduler, memory unchanged", async () => {
    const dir = stateDir();
    const cluster = await startSchedulerCluster(
      [
        { hostId: "sd1", listenHost: "127.0.6.1", memoryMib: 2048, extraArgs: xendomains(dir) },
        { hostId: "sd2", listenHost: "127.0.6.2", memoryMib: 2048 },
      ],
      RELAXED_HEARTBEAT_MS,
    );
    try {
      const [sd1, sd2] = [cluster.host("sd1"), cluster.host("sd2")];
      const sums = await filledGuests(sd1);
      await waitForSynced(cluster.scheduler, GUESTS);
      await stopTestHost(sd1); // SIGTERM, resolves when the process has exited
      for (const name of GUESTS) {
        expect(await copiesOn(sd2, name)).toEqual([name]);
        expect(await checksumOf(sd2, name)).toBe(sums.get(name));
        expect(sd1.process.stderr()).toContain(`shutdown: ${name} migrated to sd2`);
      }
      expect(readdirSync(dir)).toEqual([]); // nothing needed saving
    } finally {
      await cluster.stop();
    }
  });

  it("with nowhere to go saves its guests, and restores them with the same memory when it starts again", async () => {
    const dir = stateDir();
    const first = await startTestHost({ hostId: "sd3", memoryMib: 2048, extraArgs: xendomains(dir) });
    let second: TestHost | undefined;
    try {
      const sums = await filledGuests(first);
      await stopTestHost(first);
      for (const name of GUESTS) {
        expect(first.process.stderr()).toContain(`shutdown: ${name} saved to ${join(dir, `${name}.xsim`)}`);
        expect(existsSync(join(dir, `${name}.xsim`))).toBe(true);
      }
      second = await startTestHost({ hostId: "sd3", memoryMib: 2048, extraArgs: xendomains(dir) });
      const host = second;
      const restored = (name: string) => host.process.stderr().includes(`startup: ${name} restored from`);
      await waitUntil(() => GUESTS.every(restored), 20_000);
      for (const name of GUESTS) expect(await checksumOf(host, name)).toBe(sums.get(name));
      expect((await domainsOf(host)).map((d) => [d.name, d.state.includes("p")])).toEqual([
        ["Domain-0", false],
        ...GUESTS.map((name) => [name, false]),
      ]);
      expect(readdirSync(dir)).toEqual([]); // each file removed once its guest runs
    } finally {
      await stopTestHost(second, "kill9");
    }
  });

  it("a host told to destroy its guests on shutdown says so for each", async () => {
    const host = await startTestHost({ hostId: "sd4", memoryMib: 2048 });
    await createFilledGuest(host, "sd-x", GUEST_MEMORY_MIB);
    await stopTestHost(host);
    expect(host.process.stderr()).toContain("shutdown: sd-x destroyed (no scheduler, and no state directory");
  });
});
