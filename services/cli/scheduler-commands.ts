import type { Command } from "commander";
import { isNoAnswer } from "../transport/grpc/answer-trailer.js";
import { HostSummary, type OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { JSON_HELP, toJson } from "./json-output.js";
import type { CliIo } from "./domain-commands.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { isServiceError, unaryCall } from "../transport/grpc/host-client.js";
import { bandwidthArg, UINT32_MAX, wholeNumberArg } from "./number-args.js";

export function requireScheduler(): string {
  const address = schedulerAddress();
  if (!address)
    throw new Error("no scheduler is running: `xsim up` starts one (or set XSIM_SCHEDULER=host:port)");
  return address;
}

/** Cluster-wide verbs (the pool's toolstack): host-list, host-evacuate, host-disable/enable, rebalance. */
export function addSchedulerCommands(program: Command, io: CliIo): void {
  program
    .command("host-list")
    .description("List the cluster's hosts")
    .option("--json", JSON_HELP)
    .action(async (options: { json?: boolean }) => {
      const client = connectScheduler(requireScheduler());
      const reply = await unaryCall(client.hostList.bind(client), {});
      if (reply.brokerNote) io.err(hostListBrokerNote(reply.brokerNote));
      io.out(
        options.json ? toJson(reply.hosts.map((h) => HostSummary.toJSON(h))) : formatHostList(reply.hosts),
      );
    });

  for (const [name, method, description] of [
    ["host-disable", "hostDisable", "Take a host out of placement (maintenance)"],
    ["host-enable", "hostEnable", "Let a host take new domains again"],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument("<host>")
      .action(async (hostId: string) => {
        const client = connectScheduler(requireScheduler());
        const reply = await unaryCall(client[method].bind(client), { hostId });
        io.out(`${reply.hostId}: ${reply.state}`);
      });
  }

  program
    .command("host-evacuate")
    .description("Disable a host and live-migrate every domain off it")
    .argument("<host>")
    .option("--parallel <n>", "migrations at once (XAPI's default 10)", "10")
    .option("--bandwidth <rate>", 'limit of each migration, e.g. "100Mbit/s" (default unlimited)', "")
    .option("--policy <name>", "pre-copy policy of each migration: xen, xen-legacy, qemu, clark", "xen")
    .action(async (hostId: string, options: { parallel: string; bandwidth: string; policy: string }) => {
      const scheduler = requireScheduler();
      const client = connectScheduler(scheduler);
      const { policy } = options;
      const bandwidth = bandwidthArg(options.bandwidth);
      // The scheduler checks its own limit; here only what the wire can carry.
      const parallel = wholeNumberArg(options.parallel, "--parallel", 1, UINT32_MAX);
      const request = { hostId, parallel, bandwidth, policy };
      const ok = await streamOperation(client.evacuate(request), io, `host-evacuate ${hostId}`, scheduler);
      if (!ok) throw new Error(`evacuation of ${hostId} failed`);
    });

  program
    .command("rebalance")
    .description("Move domains off hosts over the high mark and empty hosts under the low mark")
    .option("--dry-run", "print the plan only")
    .option("--high <percent>", "over this memory/CPU use a host is overloaded", "90")
    .option("--low <percent>", "under this a host is emptied", "35")
    .action(async (options: { dryRun?: boolean; high: string; low: string }) => {
      const scheduler = requireScheduler();
      const client = connectScheduler(scheduler);
      const ok = await streamOperation(
        client.rebalance({
          dryRun: options.dryRun ?? false,
          memoryHighPercent: wholeNumberArg(options.high, "--high", 1, 100),
          memoryLowPercent: wholeNumberArg(options.low, "--low", 0, 99),
        }),
        io,
        "rebalance",
        scheduler,
      );
      if (!ok) throw new Error("rebalance failed");
    });
}

/**
 * Prints an operation's events as they come; resolves with its final ok. A scheduler that stops
 * answering once the operation runs (killed, stalled, cut off) is said so: the migrations it had
 * started go on at the hosts, their outcome unknown here.
 */
export function streamOperation(
  call: NodeJS.EventEmitter,
  io: CliIo,
  what: string,
  scheduler: string,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let ok = true;
    let started = false;
    call.on("data", (event: OperationEvent) => {
      started = true;
      const arrow = event.fromHost || event.toHost ? ` ${event.fromHost} -> ${event.toHost}` : "";
      io.out(`${event.kind.padEnd(8)} ${event.domain}${arrow}  ${event.message}`);
      if (event.final) ok = event.ok;
    });
    call.on("error", (error: Error & { details?: string }) => {
      const details = error.details ?? error.message;
      if (started && isServiceError(error) && isNoAnswer(error))
        return reject(
          new Error(
            `the scheduler ${scheduler} stopped answering during ${what} (${details}): the migrations it had ` +
              `started may have completed or not; xsim list shows where the guests run`,
          ),
        );
      reject(new Error(details));
    });
    call.on("end", () => resolve(ok));
  });
}

/** What `xsim host-list` says first while the scheduler's broker is out (HostListReply.broker_note). */
export function hostListBrokerNote(brokerNote: string): string {
  return `xsim: ${brokerNote}; shown down below as the scheduler last heard of them`;
}

export function formatHostList(hosts: readonly HostSummary[]): string {
  const header =
    "Name                 State        pCPUs  Memory(MiB)  Free(MiB)  Domains  vCPUs  HVM  Migrations  Real(MiB)";
  const rows = hosts.map(
    (h) =>
      `${h.hostId.padEnd(20)} ${h.state.padEnd(10)} ${String(h.pcpus).padStart(7)} ${String(Math.floor(h.memoryTotalKib / 1024)).padStart(12)} ` +
      `${String(Math.floor(h.memoryFreeKib / 1024)).padStart(10)} ${String(h.domainCount).padStart(8)} ${String(h.vcpusAllocated).padStart(6)}  ${h.hvm ? "yes" : "no "}  ${String(h.migrationsInFlight).padStart(10)}  ${String(Math.ceil(h.realMemoryUsedBytes / 1048576)).padStart(9)}`,
  );
  return [header, ...rows].join("\n");
}
