import { describe, expect, it } from "vitest";
import { simPair, createGuest } from "../migrate/sim-harness.js";
import { ToolstackError } from "../errors.js";
import { FaultInjector } from "./fault-injector.js";
import { FAULT_STALL_MS_MAX } from "./migration-fault.js";

const PLAN = { domain: "web", corruptPage: false, stallAfterPauseMs: 100, stallBeforeHandoverMs: 0 };

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolstackError);
    return `${(error as ToolstackError).code}: ${(error as Error).message}`;
  }
  throw new Error("not refused");
}

describe("FaultInjector", () => {
  it("refuses everything with FAILED_PRECONDITION when the host was not started with it allowed", () => {
    const pair = simPair(1, 1024);
    createGuest(pair.source, "web", 16, "idle");
    const off = new FaultInjector(false, "h1");
    expect(refusal(() => off.crashDomain(pair.source, "web"))).toMatch(
      /^FAILED_PRECONDITION: .*--allow-fault-injection/,
    );
    expect(refusal(() => off.armMigration(pair.source, PLAN))).toMatch(/^FAILED_PRECONDITION/);
    expect(refusal(() => off.list())).toMatch(/^FAILED_PRECONDITION/);
    expect(pair.source.requireDomain("web").domid).toBeGreaterThan(0);
    pair.stopTicks();
  });

  it("bounds stalls, names the domain, and leaves nothing armed after a refusal", () => {
    const pair = simPair(1, 1024);
    createGuest(pair.source, "web", 16, "idle");
    const on = new FaultInjector(true, "h1");
    expect(refusal(() => on.armMigration(pair.source, { ...PLAN, stallAfterPauseMs: 2 ** 32 - 1 }))).toMatch(
      new RegExp(
        `^INVALID_ARGUMENT: stall_after_pause_ms 4294967295 ms is out of range: use 0 to ${FAULT_STALL_MS_MAX}`,
      ),
    );
    expect(refusal(() => on.armMigration(pair.source, { ...PLAN, stallBeforeHandoverMs: -1 }))).toMatch(
      /^INVALID_ARGUMENT/,
    );
    expect(refusal(() => on.armMigration(pair.source, { ...PLAN, stallAfterPauseMs: 0 }))).toMatch(
      /asks for no fault/,
    );
    expect(refusal(() => on.armMigration(pair.source, { ...PLAN, domain: "nosuch" }))).toMatch(/^NOT_FOUND/);
    expect(on.list()).toEqual([]);
    pair.stopTicks();
  });

  it("arms per domain; the domain's next migration takes the faults once", () => {
    const pair = simPair(1, 1024);
    const web = createGuest(pair.source, "web", 16, "idle");
    const on = new FaultInjector(true, "h1");
    on.armMigration(pair.source, { ...PLAN, domain: String(web.domid) });
    expect(on.list()).toEqual([PLAN]);
    expect(on.takeMigration("web")).toEqual(PLAN);
    expect(on.takeMigration("web")).toBeUndefined();
    on.armMigration(pair.source, PLAN);
    on.clear();
    expect(on.list()).toEqual([]);
    pair.stopTicks();
  });
});
