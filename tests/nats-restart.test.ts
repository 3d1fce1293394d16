import { describe, expect, it } from "vitest";
import {
  checksumOf,
  copiesOn,
  createFilledGuest,
  sleepMs,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import { hostList, waitForSynced } from "./support/scheduler-cluster.js";
import { writeGuestConfig, type XsimRun } from "./support/xsim-cli.js";
import { twoHostsWithCli } from "./support/cli-cluster.js";

/**
 * nats-server killed (SIGKILL) and started again on the same port and JetStream store while
 * guests run and a migration through the scheduler goes on, HA off. Nothing of the guests passes
 * through NATS: they run on, the migration completes, and once the broker is back the scheduler
 * sees the hosts again, lists each guest once where it runs, and the names are still claimed once
 * (the migrated guest's by its new host). tests/ha-broker-* cover the same outage with HA on.
 */
const OUTAGE_MS = 3000;
/** 32 MiB at 4 MB/s: some 8 s, so the outage falls inside the migration. */
const SLOW_BANDWIDTH = "4MB/s";
const BACK_TIMEOUT_MS = 30_000;

const rig = twoHostsWithCli(17, "xsim-nats-restart-");
const { xsim } = rig;

function hostsOfRows(run: XsimRun, name: string): string[] {
  return run.stdout
    .split("\n")
    .filter((line) => line.split(/\s+/)[0] === name)
    .map((line) => line.split(/\s+/).at(-1) ?? "");
}

async function onlyOn(owner: TestHost, name: string): Promise<void> {
  for (const host of rig.cluster.hosts)
    expect(await copiesOn(host, name), `${name} on ${host.hostId}`).toEqual(host === owner ? [name] : []);
}

describe("nats-server killed and started again (same port and store) during a migration", () => {
  it("guests unharmed, the migration completes, the scheduler sees the hosts again, each name claimed once", async () => {
    const [rn1, rn2] = [rig.cluster.host("rn1"), rig.cluster.host("rn2")];
    const staySum = await createFilledGuest(rn1, "stay", 16);
    const moverSum = await createFilledGuest(rn1, "mover", 32);
    await waitForSynced(rig.cluster.scheduler, ["stay", "mover"]);
    const migrating = xsim("migrate", "--bandwidth", SLOW_BANDWIDTH, "mover", "rn2");
    await waitUntil(async () => (await copiesOn(rn2, "mover")).length > 0, BACK_TIMEOUT_MS);
    await rig.cluster.nats.kill9();
    await sleepMs(OUTAGE_MS);
    await rig.cluster.nats.startAgain();

    const told = await migrating;
    expect(told.code, told.stderr).toBe(0);
    expect(told.stdout).toMatch(/^status: completed$/m);
    await onlyOn(rn1, "stay");
    await onlyOn(rn2, "mover");
    expect(await checksumOf(rn1, "stay")).toBe(staySum);
    expect(await checksumOf(rn2, "mover")).toBe(moverSum);

    await waitUntil(
      async () => (await hostList(rig.cluster.scheduler)).every((h) => h.state === "up"),
      BACK_TIMEOUT_MS,
    );
    await waitUntil(async () => {
      const listed = await xsim("list");
      return (
        listed.stderr === "" &&
        hostsOfRows(listed, "stay").join() === "rn1" &&
        hostsOfRows(listed, "mover").join() === "rn2"
      );
    }, BACK_TIMEOUT_MS);
    // Each name is still claimed, once: by the host that runs the guest (mover's moved with it).
    for (const [name, holder] of [
      ["stay", "rn1"],
      ["mover", "rn2"],
    ] as const) {
      const refused = await xsim("create", writeGuestConfig(rig.home, name, []));
      expect(refused.code, `a second ${name}`).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `"${name}" already exists( \\(domid \\d+\\)| in the cluster \\(uuid \\S+ on ${holder}\\))\\n`,
        ),
      );
    }
    const fresh = await xsim("create", writeGuestConfig(rig.home, "fresh", []));
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});
