import type { SchedulerServer, HostSummary } from "../../gen/xensim/v1/scheduler.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { HostEntry } from "../../scheduler/cluster-view.js";
import { clusterMigrate, placeAndCreate } from "../../scheduler/operations.js";
import { runRebalancePlan } from "../../scheduler/rebalance-run.js";
import { listAll } from "../../scheduler/list-all.js";
import { evacuate, event, EVACUATE_PARALLEL_DEFAULT } from "../../scheduler/evacuate.js";
import {
  planRebalance,
  REBALANCE_HIGH_PERCENT_DEFAULT,
  REBALANCE_LOW_PERCENT_DEFAULT,
} from "../../scheduler/rebalance.js";
import { toServiceError, unary } from "./status.js";
import { status } from "@grpc/grpc-js";
import { heldNameNote } from "../../scheduler/held-name.js";
import { checkEvacuateRequest, checkRebalanceRequest } from "../../scheduler/request-checks.js";
import { brokerOutageNote } from "../../scheduler/broker-outage.js";
import { hostStateWord } from "../../scheduler/host-state.js";

/** The Scheduler gRPC service: the cluster-wide verbs of `xsim`. */
export function schedulerServer(scheduler: Scheduler): SchedulerServer {
  const summary = (host: HostEntry): HostSummary => hostSummary(scheduler, host);
  return {
    create: unary(async (request) => {
      scheduler.requireActive();
      const placed = await placeAndCreate(scheduler, request, false).catch((error: unknown) =>
        withHeldNameNote(scheduler, error),
      );
      return { hostId: placed.host.hostId, hostAddress: placed.host.address, domain: placed.domain };
    }),
    place: unary(async (request) => {
      const placed = await placeAndCreate(scheduler, request, true);
      return { hostId: placed.host.hostId, hostAddress: placed.host.address, domain: undefined };
    }),
    listAll: unary(() => listAll(scheduler)),
    hostList: unary(() => ({
      hosts: [...scheduler.view.hosts.values()].sort((a, b) => a.hostId.localeCompare(b.hostId)).map(summary),
      brokerNote: brokerOutageNote(scheduler)?.note ?? "",
    })),
    hostDisable: unary(async (request) => {
      scheduler.requireActive();
      const host = scheduler.requireHost(request.hostId);
      await scheduler.setHostEnabled(host.hostId, false);
      return summary(host);
    }),
    hostEnable: unary(async (request) => {
      scheduler.requireActive();
      const host = scheduler.requireHost(request.hostId);
      await scheduler.setHostEnabled(host.hostId, true);
      return summary(host);
    }),
    migrate: (call) => {
      if (refused(call, () => scheduler.requireActive())) return;
      Promise.resolve()
        .then(() => clusterMigrate(scheduler, call.request, (e) => call.write(e)))
        .then(
          () => call.end(),
          (error: unknown) => call.emit("error", toServiceError(error)),
        );
    },
    evacuate: (call) => {
      if (refused(call, () => checkEvacuateRequest(call.request))) return;
      const parallel = call.request.parallel || EVACUATE_PARALLEL_DEFAULT;
      const options = { parallel, bandwidth: call.request.bandwidth, policy: call.request.policy };
      if (refused(call, () => scheduler.requireActive())) return;
      Promise.resolve()
        .then(() => evacuate(scheduler, call.request.hostId, options, (e) => call.write(e)))
        .then(
          () => call.end(),
          (error: unknown) => call.emit("error", toServiceError(error)),
        );
    },
    rebalance: (call) => {
      if (refused(call, () => scheduler.requireActive())) return;
      if (refused(call, () => checkRebalanceRequest(call.request))) return;
      const high = call.request.memoryHighPercent || REBALANCE_HIGH_PERCENT_DEFAULT;
      const low = call.request.memoryLowPercent || REBALANCE_LOW_PERCENT_DEFAULT;
      const plan = planRebalance(scheduler, high, low);
      for (const move of plan)
        call.write(event("plan", move.domain, move.fromHostId, move.toHostId, move.reason, true));
      if (call.request.dryRun || plan.length === 0) {
        call.write(
          event(
            "done",
            "",
            "",
            "",
            plan.length === 0 ? "nothing to move" : `${plan.length} moves planned (dry run)`,
            true,
            true,
          ),
        );
        call.end();
        return;
      }
      runRebalancePlan(scheduler, plan, (e) => call.write(e)).then(
        () => call.end(),
        (error: unknown) => call.emit("error", toServiceError(error)),
      );
    },
  };
}

function hostSummary(scheduler: Scheduler, host: HostEntry): HostSummary {
  const beat = host.heartbeat;
  const state = hostStateWord(scheduler, host);
  return {
    hostId: host.hostId,
    address: host.address,
    state,
    pcpus: beat.pcpus,
    memoryTotalKib: beat.totalMemoryKib,
    memoryFreeKib: beat.freeMemoryKib,
    domainCount: beat.domainCount,
    hvm: beat.hvm,
    vcpusAllocated: beat.vcpusAllocated,
    migrationsInFlight: beat.migrationsInbound + beat.migrationsOutbound,
    lastHeartbeatAgeMs: scheduler.clock.nowMs() - host.lastSeenMs,
    realMemoryUsedBytes: beat.realMemoryUsedBytes ?? 0,
  };
}

/** Runs a request check; on refusal ends the stream with the mapped error and answers true. */
function refused(call: { emit: (event: "error", error: unknown) => boolean }, check: () => void): boolean {
  try {
    check();
    return false;
  } catch (error) {
    call.emit("error", toServiceError(error));
    return true;
  }
}

/**
 * A host's refusal of a name held by a guest that no up host runs, with why and what to do
 * (scheduler/held-name.ts): the user was told of a guest "on H" that no list shows.
 */
async function withHeldNameNote(scheduler: Scheduler, error: unknown): Promise<never> {
  const refusal = error as { code?: unknown; details?: unknown };
  if (refusal.code === status.ALREADY_EXISTS && typeof refusal.details === "string") {
    const note = await heldNameNote(scheduler, refusal.details).catch(() => undefined);
    if (note) refusal.details = `${refusal.details}: ${note}`;
  }
  throw error;
}
