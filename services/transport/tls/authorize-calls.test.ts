import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { HOST_CALL_POLICY, SCHEDULER_CALL_POLICY, verdict } from "./authorize-calls.js";

const operator = { role: "operator", name: "operator" } as const;
const scheduler = { role: "scheduler", name: "scheduler" } as const;
const host = { role: "host", name: "h2" } as const;

describe("who may call what", () => {
  it("refuses a call without a verified certificate with UNAUTHENTICATED", () => {
    expect(verdict("/xensim.v1.Host/Destroy", undefined, HOST_CALL_POLICY)?.code).toBe(
      status.UNAUTHENTICATED,
    );
  });

  it("lets the operator and the scheduler drive a host; another host only pulls migrations", () => {
    for (const peer of [operator, scheduler]) {
      expect(verdict("/xensim.v1.Host/Destroy", peer, HOST_CALL_POLICY)).toBeUndefined();
      expect(verdict("/xensim.v1.Migration/Migrate", peer, HOST_CALL_POLICY)).toBeUndefined();
    }
    expect(verdict("/xensim.v1.Migration/PullStream", host, HOST_CALL_POLICY)).toBeUndefined();
    expect(verdict("/xensim.v1.Migration/Receive", host, HOST_CALL_POLICY)).toBeUndefined();
    expect(verdict("/xensim.v1.Host/Destroy", host, HOST_CALL_POLICY)?.code).toBe(status.PERMISSION_DENIED);
    expect(verdict("/xensim.v1.Migration/Save", host, HOST_CALL_POLICY)?.code).toBe(status.PERMISSION_DENIED);
    expect(verdict("/xensim.v1.Migration/PullStream", operator, HOST_CALL_POLICY)?.code).toBe(
      status.PERMISSION_DENIED,
    );
  });

  it("lets only the operator call the scheduler, and refuses methods no rule names", () => {
    expect(verdict("/xensim.v1.Scheduler/Create", operator, SCHEDULER_CALL_POLICY)).toBeUndefined();
    expect(verdict("/xensim.v1.Scheduler/Create", host, SCHEDULER_CALL_POLICY)?.code).toBe(
      status.PERMISSION_DENIED,
    );
    expect(verdict("/other.Service/Call", operator, HOST_CALL_POLICY)?.code).toBe(status.PERMISSION_DENIED);
  });
});

describe("every served method has a rule", () => {
  it("lets some role call each method of every service a host or the scheduler serves", async () => {
    const served: Array<[Record<string, { path: string }>, typeof HOST_CALL_POLICY]> = [
      [(await import("../../gen/xensim/v1/host.js")).HostService, HOST_CALL_POLICY],
      [(await import("../../gen/xensim/v1/migration.js")).MigrationService, HOST_CALL_POLICY],
      [(await import("../../gen/xensim/v1/cpupool.js")).CpupoolService, HOST_CALL_POLICY],
      [(await import("../../gen/xensim/v1/fault.js")).FaultInjectionService, HOST_CALL_POLICY],
      [(await import("../../gen/xensim/v1/ha.js")).HaPeerService, HOST_CALL_POLICY],
      [(await import("../../gen/xensim/v1/ha.js")).HaService, SCHEDULER_CALL_POLICY],
      [(await import("../../gen/xensim/v1/scheduler.js")).SchedulerService, SCHEDULER_CALL_POLICY],
    ];
    for (const [service, policy] of served)
      for (const { path } of Object.values(service)) {
        const allowed = [operator, scheduler, host].filter(
          (peer) => verdict(path, peer, policy) === undefined,
        );
        expect(allowed.length, `${path} has no rule in its call policy`).toBeGreaterThan(0);
      }
  });
});
