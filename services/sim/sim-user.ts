import { ToolstackError } from "../dom0/errors.js";
import type { ChecksumReply, DomainInfo } from "../gen/xensim/v1/host.js";
import { MigrateRequest, type MigrateEvent } from "../gen/xensim/v1/migration.js";
import type { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import type { HostEntry } from "../scheduler/cluster-view.js";
import { clusterMigrate, placeAndCreate } from "../scheduler/operations.js";
import { evacuate, EVACUATE_PARALLEL_DEFAULT } from "../scheduler/evacuate.js";
import { listAll } from "../scheduler/list-all.js";
import { simCall } from "./rpc.js";
import { disableHaOn, enableHaOn } from "../scheduler/ha-admin.js";
import { declareHostDead, type DeclaredDead } from "../scheduler/declare-dead.js";
import { resetPowerState, type PowerStateReset } from "../scheduler/reset-powerstate.js";
import { hostStateWord, type HostStateWord } from "../scheduler/host-state.js";
import type { HaState } from "../gen/xensim/v1/ha.js";
import type { SchedulerProcess } from "../scheduler/scheduler-process.js";
import { CLI_ID, SCHEDULER_ID, type SimCluster } from "./cluster.js";
import { simAddress, type SimHost } from "./sim-host.js";
import type { MigrationStatsView } from "../dom0/migrate/stats.js";

/** Deadline of the CLI's unary calls (the scheduler's own calls to hosts take up to 5 s each). */
export const CLI_CALL_DEADLINE_MS = 30_000;

export interface ClusterDomain {
  hostId: string;
  domain: DomainInfo;
}

/**
 * The user at `xsim`, in the one-process cluster: every verb is a call from the CLI process to the
 * scheduler (or to a host, as `xsim -H host`), over the simulated network. A verb that cannot
 * reach its target fails, and the user is told.
 */
export class SimUser {
  constructor(private readonly cluster: SimCluster) {}

  private toScheduler<T>(what: string, work: (scheduler: Scheduler) => Promise<T> | T, deadline = true) {
    return this.toSchedulerProcess(what, (parts) => work(parts.scheduler), deadline);
  }

  private toSchedulerProcess<T>(
    what: string,
    work: (parts: SchedulerProcess) => Promise<T> | T,
    deadline = true,
  ): Promise<T> {
    return simCall(
      this.cluster.network,
      CLI_ID,
      SCHEDULER_ID,
      () => {
        const parts = this.cluster.schedulerProcess;
        if (!parts) throw new ToolstackError("UNAVAILABLE", "the scheduler is not running");
        return work(parts);
      },
      { what, ...(deadline ? { deadlineMs: CLI_CALL_DEADLINE_MS } : {}) },
    );
  }

  /** `xsim ha-enable --timeout T --allow-short-timeout` (what transport/grpc/ha-server.ts serves). */
  haEnable(timeoutMs: number): Promise<HaState> {
    return this.toSchedulerProcess("HaEnable", ({ ha, options, scheduler }) =>
      enableHaOn(ha, options.statefile, { timeoutMs, allowShortTimeout: true }, scheduler.clock),
    );
  }

  /** `xsim ha-disable`. */
  haDisable(): Promise<HaState> {
    return this.toSchedulerProcess("HaDisable", ({ ha, options, scheduler }) =>
      disableHaOn(ha, options.statefile, () => scheduler.clock.nowMs()),
    );
  }

  /** `xsim host-declare-dead HOST` (what transport/grpc/ha-server.ts serves, docs/specs/ha.md §7). */
  hostDeclareDead(hostId: string): Promise<DeclaredDead> {
    return this.toSchedulerProcess("HaDeclareDead", ({ ha, options }) =>
      declareHostDead(ha, options.statefile, hostId),
    );
  }

  /** `xsim vm-reset-powerstate NAME [--force]` (what transport/grpc/ha-server.ts serves, docs/specs/ha.md §8). */
  vmResetPowerState(name: string, force = true): Promise<PowerStateReset> {
    return this.toSchedulerProcess("HaResetPowerState", ({ ha, options }) =>
      resetPowerState(ha, options.statefile, name, force),
    );
  }

  /** `xsim create FILE [key=value...]` without -H: the scheduler places it. */
  create(configText: string, configFileName: string, overrides: string[] = [], paused = false) {
    return this.toScheduler("Create", async (scheduler) => {
      const placed = await placeAndCreate(
        scheduler,
        { configText, configFileName, overrides, paused, policy: "" },
        false,
      );
      return { hostId: placed.host.hostId, domain: placed.domain! };
    });
  }

  /** A call from the CLI to one host (`xsim -H host VERB`), over the simulated network. */
  private toHost<T>(hostId: string, what: string, work: (host: SimHost) => Promise<T> | T): Promise<T> {
    const host = this.cluster.host(hostId);
    return simCall(this.cluster.network, CLI_ID, hostId, () => work(host), {
      what,
      deadlineMs: CLI_CALL_DEADLINE_MS,
    });
  }

  /** `xsim -H host create FILE`: straight to one host. */
  createOn(hostId: string, configText: string, configFileName: string, overrides: string[] = []) {
    return this.toHost(hostId, "Create", (host) =>
      host.create({ configText, configFileName, overrides, paused: false }),
    );
  }

  /** `xsim list` through the scheduler: every domain on every host that is up. */
  list(): Promise<ClusterDomain[]> {
    return this.toScheduler("ListAll", async (scheduler) => (await listAll(scheduler)).domains);
  }

  /** `xsim migrate NAME [HOST] [--bandwidth LIMIT] [--policy NAME]`. */
  migrate(
    name: string,
    destinationHostId = "",
    onEvent: (event: MigrateEvent) => void = () => undefined,
    options: { bandwidth?: string; policy?: string } = {},
  ) {
    return this.toScheduler(
      "Migrate",
      (scheduler) =>
        clusterMigrate(
          scheduler,
          {
            domain: name,
            destinationHostId,
            policy: options.policy ?? "",
            live: true,
            bandwidth: options.bandwidth ?? "",
          },
          (event) => this.cluster.network.send(SCHEDULER_ID, CLI_ID, () => onEvent(event), true),
        ),
      false,
    );
  }

  /** `xsim migrate-cancel NAME`, at the host that sends its migration. */
  migrateCancel(hostId: string, name: string): Promise<MigrationStatsView> {
    return this.toHost(hostId, "Cancel", (host) => {
      host.host.guard();
      return host.host.cancelMigration(name, "the operator asked (xsim migrate-cancel)");
    });
  }

  /** `xsim -H SOURCE migrate NAME DESTINATION`: straight to the source host, no scheduler. */
  migrateOn(sourceHostId: string, name: string, destinationHostId: string, bandwidth = "") {
    return this.toHost(sourceHostId, "Migrate", (host) =>
      host.migrate(
        MigrateRequest.fromPartial({
          domain: name,
          destination: simAddress(destinationHostId),
          live: true,
          bandwidth,
        }),
        () => undefined,
      ),
    );
  }

  /** `xsim host-evacuate HOST`. */
  evacuate(hostId: string, onEvent: (event: OperationEvent) => void = () => undefined) {
    return this.toScheduler(
      "Evacuate",
      (scheduler) =>
        evacuate(scheduler, hostId, { parallel: EVACUATE_PARALLEL_DEFAULT }, (event) =>
          this.cluster.network.send(SCHEDULER_ID, CLI_ID, () => onEvent(event), true),
        ),
      false,
    );
  }

  /**
   * `xsim host-enable HOST` (what transport/grpc/scheduler-server.ts serves): maintenance ends.
   * Resolves to whether the host was disabled (the summary's `enabled` before the call).
   */
  hostEnable(hostId: string): Promise<boolean> {
    return this.setHostEnabledThen(hostId, true, (_scheduler, _host, wasDisabled) => wasDisabled);
  }

  /**
   * `xsim host-enable HOST` / `xsim host-disable HOST` as the real CLI prints them: the host's state
   * after the call (HostSummary.state: up, disabled, or down).
   */
  setHostEnabled(hostId: string, enabled: boolean): Promise<HostStateWord> {
    return this.setHostEnabledThen(hostId, enabled, (scheduler, host) => hostStateWord(scheduler, host));
  }

  /** HostEnable / HostDisable at the scheduler, answered by `answer` once the host's state is set. */
  private setHostEnabledThen<T>(
    hostId: string,
    enabled: boolean,
    answer: (scheduler: Scheduler, host: HostEntry, wasDisabled: boolean) => T,
  ): Promise<T> {
    return this.toScheduler(enabled ? "HostEnable" : "HostDisable", async (scheduler) => {
      scheduler.requireActive();
      const host = scheduler.requireHost(hostId);
      const wasDisabled = scheduler.disabledHosts.has(host.hostId);
      await scheduler.setHostEnabled(host.hostId, enabled);
      return answer(scheduler, host, wasDisabled);
    });
  }

  /** The running host that holds a domain of this name (as the CLI's `hostClientFor` finds it). */
  hostOf(name: string): SimHost | undefined {
    return [...this.cluster.hosts.values()].find(
      (h) => h.process.state === "running" && [...h.toolstack.records.values()].some((r) => r.name === name),
    );
  }

  /** `xsim checksum NAME`: the xxh64 of the guest's whole memory, on the host that runs it. */
  checksum(hostId: string, name: string): Promise<ChecksumReply> {
    return this.toHost(hostId, "MemoryChecksum", (host) => {
      host.host.guard();
      const record = host.toolstack.requireDomain(name);
      const memory = host.toolstack.domainOf(record).memory;
      return {
        domid: record.domid,
        checksum: memory.checksum(),
        pageCount: memory.pageCount,
        populatedPageCount: memory.populatedPageCount(),
      };
    });
  }

  /** `xsim -H host pause NAME` (transport/grpc/host-server.ts's Pause). */
  pause(hostId: string, name: string): Promise<void> {
    return this.toHost(hostId, "Pause", (host) => {
      host.host.guard();
      host.toolstack.pause(name);
    });
  }

  /** `xsim -H host unpause NAME`: the host may refuse (an HA-protected guest it holds). */
  unpause(hostId: string, name: string): Promise<void> {
    return this.toHost(hostId, "Unpause", (host) => {
      host.host.guard();
      host.toolstack.unpause(name);
    });
  }

  /** `xsim workload NAME SPEC`. */
  setWorkload(hostId: string, name: string, workload: string): Promise<void> {
    return this.toHost(hostId, "SetWorkload", (host) => {
      host.host.guard();
      host.toolstack.setWorkload(name, workload);
    });
  }

  /** `xsim -H host destroy NAME`. */
  destroy(hostId: string, name: string): Promise<void> {
    return this.toHost(hostId, "Destroy", (host) => host.destroy(name));
  }
}
