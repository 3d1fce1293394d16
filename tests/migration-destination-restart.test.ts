import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  ALLOW_FAULT_INJECTION,
  copiesOn,
  createFilledGuest,
  domainOn,
  expectGuestOnlyOn,
  waitUntil,
  type TestHost,
} from "./support/migration-cluster.js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import {
  cfg,
  createVia,
  listAll,
  RELAXED_HEARTBEAT_MS,
  startSchedulerCluster,
  waitForSynced,
  type SchedulerCluster,
  type SchedulerHostOptions,
} from "./support/scheduler-cluster.js";
import { runXsimWithEnv } from "./support/xsim-cli.js";
import { freePort } from "./support/ports.js";

/**
 * A migration's destination killed (SIGKILL) and started again at once at the same address, within
 * the hosts' keepalive (2 s + 2 s), while `xsim migrate` runs through the scheduler. The source's
 * calls may reach the new process (the same address), which knows nothing of the migration: the
 * guest must stay on the source, running, its memory unchanged, its name still the source's, and
 * the new process must hold no NAME--incoming. Unlike tests/migration-failures (a destination
 * killed for good), the source's IncomingStatus after a lost Go is answered by the new process.
 */
/** 64 MiB at 10 MB/s: pre-copy lasts some 6 s, so the kill falls inside it. */
const SLOW_BANDWIDTH = "10MB/s";
/** Holds Go after the stream is verified: the kill falls in the handover window. */
const HANDOVER_STALL_MS = 3000;
const CASE_TIMEOUT_MS = 90_000;
/** The migration reaching the window a case strikes in. */
const STEP_TIMEOUT_MS = 30_000;

let cluster: SchedulerCluster;
let home: string;
let destinationOptions: SchedulerHostOptions & { listenPort: number };

beforeAll(async () => {
  destinationOptions = {
    hostId: "rd2",
    listenHost: "127.0.16.12",
    listenPort: await freePort("127.0.16.12"),
    memoryMib: 2048,
    dom0MemoryMib: 256,
  };
  const source = {
    hostId: "rd1",
    listenHost: "127.0.16.11",
    memoryMib: 2048,
    dom0MemoryMib: 256,
    extraArgs: [ALLOW_FAULT_INJECTION],
  };
  cluster = await startSchedulerCluster([source, destinationOptions], RELAXED_HEARTBEAT_MS);
  home = mkdtempSync(join(tmpdir(), "xsim-destination-restart-"));
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The destination's newest process (cluster.host finds the first one). */
function destination(): TestHost {
  const host = cluster.hosts.filter((h) => h.hostId === "rd2").at(-1);
  if (!host) throw new Error("no rd2");
  return host;
}

async function restartDestination(): Promise<TestHost> {
  await destination().process.kill9();
  return cluster.addHost(destinationOptions);
}

/** The user's view after the failed migration: once on rd1 with its memory, its name rd1's. */
async function expectKeptOnSource(name: string, checksum: string): Promise<void> {
  const source = cluster.host("rd1");
  const restarted = destination();
  await waitUntil(async () => (await copiesOn(restarted, name)).length === 0, CASE_TIMEOUT_MS);
  await expectGuestOnlyOn([source, restarted], source, name, checksum);
  await waitUntil(async () => {
    const listed = (await listAll(cluster.scheduler)).filter((d) => d.domain?.name.startsWith(name));
    return listed.length === 1 && listed[0]?.hostId === "rd1";
  }, CASE_TIMEOUT_MS);
  const refusal = await createVia(cluster.scheduler, cfg(name, 16)).then(
    () => undefined,
    (error: ServiceError) => error,
  );
  expect(refusal?.code, refusal?.details ?? "a second guest of the name was created").toBe(
    status.ALREADY_EXISTS,
  );
  // Refused by rd1 itself (it runs the guest) or, placed on rd2, for the name rd1 still holds.
  expect(refusal?.details).toMatch(
    new RegExp(`"${name}" already exists( \\(domid \\d+\\)| in the cluster \\(uuid \\S+ on rd1\\))$`),
  );
}

describe("a migration's destination killed and started again at the same address", () => {
  it(
    "during pre-copy: the migration fails, the guest runs on at the source, the new process holds nothing",
    async () => {
      const source = cluster.host("rd1");
      const checksum = await createFilledGuest(source, "pre", 64);
      await waitForSynced(cluster.scheduler, ["pre"]);
      const env = { XSIM_SCHEDULER: cluster.scheduler.address };
      const migrating = runXsimWithEnv(home, env, "migrate", "--bandwidth", SLOW_BANDWIDTH, "pre", "rd2");
      await waitUntil(async () => (await copiesOn(destination(), "pre")).length > 0, CASE_TIMEOUT_MS);
      await restartDestination();
      const told = await migrating;
      expect(told.code, told.stdout).toBe(1);
      expect(told.stderr, told.stderr).toMatch(/^xsim: migration failed: destination \S+: connection lost/m);
      await expectKeptOnSource("pre", checksum);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "in the handover window (before Go): the new process never took it, so the source resumes it",
    async () => {
      const source = cluster.host("rd1");
      const checksum = await createFilledGuest(source, "hand", 64);
      await waitForSynced(cluster.scheduler, ["hand"]);
      const faults = source.faults;
      await unaryCall(faults.armMigrationFault.bind(faults), {
        domain: "hand",
        corruptPage: false,
        stallAfterPauseMs: 0,
        stallBeforeHandoverMs: HANDOVER_STALL_MS,
      });
      const env = { XSIM_SCHEDULER: cluster.scheduler.address };
      const migrating = runXsimWithEnv(home, env, "migrate", "hand", "rd2");
      const inWindow = async () => (await domainOn(source, "hand--migratedaway")) !== undefined;
      await waitUntil(inWindow, STEP_TIMEOUT_MS).catch(async (error: unknown) => {
        const told = await migrating;
        throw new Error(
          `${String(error)}: xsim migrate said ${told.stdout}${told.stderr}\n${cluster.scheduler.log()}`,
        );
      });
      await restartDestination();
      const told = await migrating;
      expect(told.code, told.stdout).toBe(1);
      expect(told.stderr).toBe(
        "xsim: migration failed: the destination did not take the guest over; it runs on here\n",
      );
      await expectKeptOnSource("hand", checksum);
    },
    CASE_TIMEOUT_MS,
  );
});
