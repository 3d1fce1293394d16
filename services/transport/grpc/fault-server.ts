import type { FaultInjectionServer, MigrationFault } from "../../gen/xensim/v1/fault.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import type { FaultInjector } from "../../dom0/fault/fault-injector.js";
import type { MigrationFaultPlan } from "../../dom0/fault/migration-fault.js";
import { unary } from "./status.js";

function toProto(plan: MigrationFaultPlan): MigrationFault {
  return { ...plan };
}

/** The FaultInjection gRPC service (proto/xensim/v1/fault.proto): each call goes through the gate. */
export function faultServer(toolstack: Toolstack, faults: FaultInjector): FaultInjectionServer {
  return {
    crashDomain: unary((request) => {
      const record = faults.crashDomain(toolstack, request.domain);
      return { domain: record.name, domid: record.domid };
    }),
    armMigrationFault: unary((request) => ({ fault: toProto(faults.armMigration(toolstack, request)) })),
    listFaults: unary(() => ({ migrationFaults: faults.list().map(toProto) })),
    clearFaults: unary(() => {
      faults.clear();
      return { migrationFaults: [] };
    }),
  };
}
