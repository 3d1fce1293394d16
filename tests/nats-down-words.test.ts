import { describe, expect, it } from "vitest";
import { waitUntil } from "./support/migration-cluster.js";
import { hostList, waitForSynced } from "./support/scheduler-cluster.js";
import { writeGuestConfig } from "./support/xsim-cli.js";
import { twoHostsWithCli } from "./support/cli-cluster.js";

/**
 * nats-server killed: the scheduler hears no heartbeat and declares both hosts down, yet they run
 * on. What the user is told names nats-server first (services/scheduler/broker-words.ts), not
 * "no host fits: rn1 down; rn2 down"; once nats-server is back, a create works.
 */
const DOWN_TIMEOUT_MS = 20_000;
const BACK_TIMEOUT_MS = 30_000;

const rig = twoHostsWithCli(19, "xsim-nats-down-words-");
const { xsim } = rig;

/** `nats-server (nats://127.0.0.1:PORT) is unreachable from the scheduler since HH:MM:SS UTC (N s): ...` */
function unreachable(): string {
  const url = rig.cluster.nats.url.replace(/[.]/g, "\\.");
  return `nats-server \\(${url}\\) is unreachable from the scheduler since \\d\\d:\\d\\d:\\d\\d UTC \\(\\d+(\\.\\d)? s\\): hosts' heartbeats cannot arrive, so rn1 and rn2 may still run`;
}

describe("nats-server down: the CLI's words name it, not the hosts", () => {
  it("create, migrate, list -c and host-list say nats-server is unreachable; a create works once it is back", async () => {
    const web = await xsim("create", writeGuestConfig(rig.home, "web", []));
    expect(web.code, web.stderr).toBe(0);
    await waitForSynced(rig.cluster.scheduler, ["web"]);

    await rig.cluster.nats.kill9();
    await waitUntil(
      async () => (await hostList(rig.cluster.scheduler)).every((h) => h.state === "down"),
      DOWN_TIMEOUT_MS,
    );

    const create = await xsim("create", writeGuestConfig(rig.home, "db", []));
    expect(create.code).toBe(1);
    expect(create.stderr).toMatch(
      new RegExp(`no host fits "db": ${unreachable()}; nothing was changed \\(rn1 down; rn2 down\\)`),
    );
    const migrate = await xsim("migrate", "web");
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(
      new RegExp(`no domain "web" runs on any host that is up: ${unreachable()}; nothing was changed`),
    );
    // list -c asks every host itself: cut from the broker, not from the CLI, they answer.
    const listed = await xsim("list", "-c");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^web\b.* rn[12]$/m);
    expect(listed.stderr).toMatch(
      new RegExp(`^xsim: ${unreachable()}; listed all the same: hosts rn1, rn2 answered$`, "m"),
    );
    const hosts = await xsim("host-list");
    expect(hosts.code, hosts.stderr).toBe(0);
    expect(hosts.stderr).toMatch(
      new RegExp(`^xsim: ${unreachable()}; shown down below as the scheduler last heard of them$`, "m"),
    );
    expect(hosts.stdout).toMatch(/^rn1 +down /m);

    await rig.cluster.nats.startAgain();
    await waitUntil(
      async () => (await hostList(rig.cluster.scheduler)).every((h) => h.state === "up"),
      BACK_TIMEOUT_MS,
    );
    await waitUntil(
      async () => (await xsim("create", writeGuestConfig(rig.home, "db", []))).code === 0,
      BACK_TIMEOUT_MS,
    );
    const after = await xsim("host-list");
    expect(after.stderr).toBe("");
  });
});
