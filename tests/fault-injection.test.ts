import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { unaryCall } from "../services/transport/grpc/host-client.js";
import { runXsim } from "./support/xsim-cli.js";
import {
  ALLOW_FAULT_INJECTION,
  createFilledGuest,
  domainOn,
  expectGrpcError,
  startTestHost,
  stopTestHost,
  type TestHost,
} from "./support/migration-cluster.js";

const NO_FAULT = { corruptPage: false, stallAfterPauseMs: 0, stallBeforeHandoverMs: 0 };

let home: string;
let closed: TestHost;
let open: TestHost;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "xsim-fault-"));
  [closed, open] = await Promise.all([
    startTestHost({ hostId: "fi1", listenHost: "127.0.1.71", memoryMib: 2048 }),
    startTestHost({
      hostId: "fi2",
      listenHost: "127.0.1.72",
      memoryMib: 2048,
      extraArgs: [ALLOW_FAULT_INJECTION],
    }),
  ]);
  await Promise.all([createFilledGuest(closed, "web", 16), createFilledGuest(open, "web", 16)]);
});

afterAll(async () => {
  await Promise.all([stopTestHost(closed), stopTestHost(open)]);
  if (home) rmSync(home, { recursive: true, force: true });
});

const xsim = (host: TestHost, ...args: string[]) => runXsim(home, "-H", host.address, ...args);

describe("fault injection is off unless the host was started with it allowed", () => {
  it("refuses every FaultInjection call with FAILED_PRECONDITION and changes nothing", async () => {
    const f = closed.faults;
    await expectGrpcError(
      unaryCall(f.crashDomain.bind(f), { domain: "web" }),
      status.FAILED_PRECONDITION,
      /fault injection is off on host fi1: start it with --allow-fault-injection/,
    );
    await expectGrpcError(
      unaryCall(f.armMigrationFault.bind(f), { ...NO_FAULT, domain: "web", stallAfterPauseMs: 10 }),
      status.FAILED_PRECONDITION,
    );
    await expectGrpcError(unaryCall(f.listFaults.bind(f), {}), status.FAILED_PRECONDITION);
    expect((await domainOn(closed, "web"))?.state).toMatch(/^[r-][b-]-/);
  });

  it("shows the gate in xsim info, and xsim fault says what to do", async () => {
    const closedInfo = await xsim(closed, "info");
    expect(closedInfo.stdout).toMatch(/^fault_injection {8}: off$/m);
    expect((await xsim(open, "info")).stdout).toMatch(/^fault_injection {8}: allowed$/m);
    const refused = await xsim(closed, "fault", "crash", "web");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("start it with --allow-fault-injection");
  });
});

describe("on a host with fault injection allowed", () => {
  it("bounds the stalls: 2^32 - 1 ms, the old hook's reach, is refused with the range", async () => {
    const f = open.faults;
    await expectGrpcError(
      unaryCall(f.armMigrationFault.bind(f), { ...NO_FAULT, domain: "web", stallAfterPauseMs: 2 ** 32 - 1 }),
      status.INVALID_ARGUMENT,
      "stall_after_pause_ms 4294967295 ms is out of range: use 0 to 60000 ms",
    );
    await expectGrpcError(
      unaryCall(f.armMigrationFault.bind(f), { ...NO_FAULT, domain: "nosuch", corruptPage: true }),
      status.NOT_FOUND,
    );
    expect((await unaryCall(f.listFaults.bind(f), {})).migrationFaults).toEqual([]);
  });

  it("arms, lists and clears migration faults through the CLI", async () => {
    const armed = await xsim(
      open,
      "fault",
      "migration",
      "web",
      "--stall-after-pause-ms",
      "500",
      "--corrupt-page",
    );
    expect(armed.code, armed.stderr).toBe(0);
    expect(armed.stdout.trim()).toBe("armed web: corrupt-page, stall-after-pause 500 ms");
    expect((await xsim(open, "fault", "list")).stdout.trim()).toBe(
      "web: corrupt-page, stall-after-pause 500 ms",
    );
    expect((await xsim(open, "fault", "clear")).code).toBe(0);
    expect((await xsim(open, "fault", "list")).stdout.trim()).toBe("");
    const bad = await xsim(open, "fault", "migration", "web", "--stall-after-pause-ms", "soon");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--stall-after-pause-ms "soon": give a whole number of milliseconds');
  });

  it("crashes a domain (xsim fault crash)", async () => {
    const crashed = await xsim(open, "fault", "crash", "web");
    expect(crashed.code, crashed.stderr).toBe(0);
    expect(crashed.stdout).toMatch(/^crashed web \(domid \d+\)/);
    const after = await domainOn(open, "web");
    expect(after === undefined || /c/.test(after.state)).toBe(true);
  });
});
