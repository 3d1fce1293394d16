import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CliIo } from "./domain-commands.js";
import { formatClusterList } from "./format.js";
import { formatMigrationStats } from "./migration-format.js";
import { formatDeclaredDead, formatPowerStateReset } from "./ha-commands.js";
import { parseScenario, type Scenario, type ScenarioOp, type ScenarioStep } from "../sim/scenario.js";
import { SimCluster, type SimClusterOptions } from "../sim/cluster.js";
import { SimUser } from "../sim/sim-user.js";
import type { DomainEvent } from "../contracts/domain-event.js";

/** One line of `xsim sim`'s output: what happened, when, in simulated time. */
export interface SimRecord {
  atMs: number;
  source: string;
  text: string;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A domain event as one line, its details (`oldName`, `to`: where it went) after it. */
function formatDomainEvent(e: DomainEvent): string {
  const details = Object.entries(e.detail ?? {}).map(([key, value]) => ` ${key}=${String(value)}`);
  return `domain ${e.event}: ${e.name} (domid ${e.domid})${details.join("")}`;
}

/**
 * Runs one scenario in the one-process cluster; returns what the real CLI and services would print.
 * `knobs`: the simulation's own knobs (the shared second), for tests that compare runs.
 */
export async function runScenario(
  scenario: Scenario,
  knobs: Pick<SimClusterOptions, "sharedSecond" | "checkSharedSeconds"> = {},
): Promise<SimRecord[]> {
  const cluster = await SimCluster.start({
    ...knobs,
    seed: scenario.seed,
    hosts: scenario.hosts,
    ...(scenario.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: scenario.heartbeatIntervalMs }),
  });
  const records: SimRecord[] = [];
  const emit = (source: string, text: string) => records.push({ atMs: cluster.clock.nowMs(), source, text });
  cluster.logListeners.push((line) => emit(line.source, line.text));
  cluster.domainEventListeners.push((e) => emit(e.hostId, formatDomainEvent(e)));
  const user = new SimUser(cluster);
  const pending: Array<Promise<unknown>> = [];
  for (const step of scenario.steps) {
    const waitMs = step.atMs - cluster.clock.nowMs();
    if (waitMs > 0) await cluster.idle(waitMs);
    if (step.op.kind === "end") break;
    const work = runStep(cluster, user, scenario, step, emit);
    if (work) pending.push(work);
  }
  await cluster.run(Promise.all(pending));
  return records;
}

function runStep(
  cluster: SimCluster,
  user: SimUser,
  scenario: Scenario,
  step: ScenarioStep,
  emit: (source: string, text: string) => void,
): Promise<unknown> | undefined {
  const op = step.op;
  const told = (what: string) => (error: unknown) => emit("xsim", `${what}: ${describe(error)}`);
  switch (op.kind) {
    case "create": {
      const domain = scenario.domains.get(op.domain)!;
      const creating = op.hostId
        ? user
            .createOn(op.hostId, domain.cfgText, domain.fileName)
            .then((d) => ({ hostId: op.hostId!, domain: d }))
        : user.create(domain.cfgText, domain.fileName);
      return creating.then(
        (p) => emit("xsim", `created ${p.domain.name} on ${p.hostId} (domid ${p.domain.domid})`),
        told(`create ${op.domain}`),
      );
    }
    case "migrate":
      return user
        .migrate(op.domain, op.hostId ?? "", undefined, { bandwidth: op.bandwidth, policy: op.policy })
        .then(
          (last) => {
            if (last.stats) emit("xsim", formatMigrationStats(last.stats));
          },
          told(`migrate ${op.domain}`),
        );
    case "evacuate":
      return user
        .evacuate(op.hostId, (e) =>
          emit("xsim", `${e.kind} ${e.domain} ${e.message}`.replace(/\s+/g, " ").trim()),
        )
        .then(
          (done) => emit("xsim", `host-evacuate ${op.hostId}: ${done ? "done" : "not all moved"}`),
          told(`host-evacuate ${op.hostId}`),
        );
    case "destroy":
    case "pause":
    case "unpause":
    case "checksum":
    case "workload":
    case "migrate-cancel":
      return domainStep(cluster, user, op, emit);
    case "list":
      return user.list().then((rows) => emit("xsim", formatClusterList(rows)), told("list"));
    case "kill":
      return void cluster.killHost(op.hostId);
    case "restart":
      return void cluster.restartHost(op.hostId);
    case "stall":
      return void cluster.stall(op.processId, op.durationMs);
    case "partition":
      cluster.network.partition(op.hostIds, op.from);
      return void emit(
        "network",
        `partition ${op.hostIds.join(" ")} from ${op.from?.join(" ") ?? "the rest"}`,
      );
    case "heal":
      cluster.network.heal();
      return void emit("network", "healed");
    case "broker":
      return void (op.up ? cluster.brokerUp() : cluster.brokerDown());
    case "scheduler":
      if (op.up) return cluster.restartScheduler();
      return void cluster.crashScheduler();
    case "ha-enable":
      return user
        .haEnable(op.timeoutMs)
        .then(
          (state) => emit("xsim", `ha-enable: enabled, T = ${state.timeoutMs / 1000} s`),
          told("ha-enable"),
        );
    case "ha-disable":
      return user.haDisable().then(() => emit("xsim", "ha-disable: disabled"), told("ha-disable"));
    case "declare-dead":
      return user
        .hostDeclareDead(op.hostId)
        .then(
          (declared) => emit("xsim", `host-declare-dead ${formatDeclaredDead(declared)}`),
          told(`host-declare-dead ${op.hostId}`),
        );
    case "host-enable":
    case "host-disable":
      return user
        .setHostEnabled(op.hostId, op.kind === "host-enable")
        .then((state) => emit("xsim", `${op.kind} ${op.hostId}: ${state}`), told(`${op.kind} ${op.hostId}`));
    case "vm-reset-powerstate":
      return user
        .vmResetPowerState(op.domain, op.force)
        .then(
          (reset) => emit("xsim", `vm-reset-powerstate ${formatPowerStateReset(reset)}`),
          told(`vm-reset-powerstate ${op.domain}`),
        );
    case "end":
      return undefined;
  }
}

type DomainOp = Extract<
  ScenarioOp,
  { kind: "destroy" | "pause" | "unpause" | "checksum" | "workload" | "migrate-cancel" }
>;

/** A verb on one domain, sent to the host that runs it (as the CLI's `hostClientFor` finds it). */
function domainStep(
  cluster: SimCluster,
  user: SimUser,
  op: DomainOp,
  emit: (source: string, text: string) => void,
): Promise<unknown> | undefined {
  // The host's refusals name the domain first, as the real CLI prints them ("xsim: web: ..."):
  // said once, after the verb.
  const told = (error: unknown) => {
    const text = describe(error);
    const named = text.startsWith(`${op.domain}: `) ? text : `${op.domain}: ${text}`;
    emit("xsim", `${op.kind} ${named}`);
  };
  const host = user.hostOf(op.domain);
  if (!host) return void emit("xsim", `${op.kind} ${op.domain}: no such domain`);
  const hostId = host.hostId;
  switch (op.kind) {
    case "destroy":
      return user.destroy(hostId, op.domain).then(() => emit("xsim", `destroyed ${op.domain}`), told);
    case "checksum":
      return user
        .checksum(hostId, op.domain)
        .then(
          (r) =>
            emit(
              "xsim",
              `checksum ${op.domain} on ${hostId}: ${r.checksum}  ${r.pageCount} pages, ${r.populatedPageCount} populated`,
            ),
          told,
        );
    case "workload":
      return user
        .setWorkload(hostId, op.domain, op.workload)
        .then(() => emit("xsim", `workload ${op.domain} on ${hostId}: ${op.workload}`), told);
    case "migrate-cancel":
      return user
        .migrateCancel(hostId, op.domain)
        .then(
          (stats) =>
            emit(
              "xsim",
              `migrate-cancel ${op.domain}: ${stats.source} -> ${stats.destination} ${stats.status}`,
            ),
          told,
        );
    case "pause":
    case "unpause":
      return (op.kind === "pause" ? user.pause(hostId, op.domain) : user.unpause(hostId, op.domain)).then(
        () => emit("xsim", `${op.kind}d ${op.domain} on ${hostId}`),
        told,
      );
  }
}

export function formatRecords(records: readonly SimRecord[]): string {
  return records
    .map((r) => {
      const stamp = `[${(r.atMs / 1000).toFixed(3).padStart(9)}] ${r.source}: `;
      return `${stamp}${r.text.split("\n").join(`\n${" ".repeat(stamp.length)}`)}`;
    })
    .join("\n");
}

/** `xsim sim FILE [--seed N] [--json]`: a scenario in one process, faster than real time. */
export function addSimCommand(program: Command, io: CliIo): void {
  program
    .command("sim")
    .description(
      "run a scenario (docs/sim.md) in a simulated cluster in this process; same seed, same output",
    )
    .argument("<file>", "scenario file")
    .option("--seed <n>", "seed (overrides the file's)")
    .option("--json", "one JSON record per line")
    .action(async (file: string, options: { seed?: string; json?: boolean }) => {
      const scenario = parseScenario(readFileSync(file, "utf8"), file, (path) => readFileSync(path, "utf8"));
      if (options.seed !== undefined) {
        const seed = Number(options.seed);
        if (!Number.isSafeInteger(seed) || seed < 0)
          throw new Error(`--seed ${options.seed}: not an integer >= 0`);
        scenario.seed = seed;
      }
      const records = await runScenario(scenario);
      io.out(options.json ? records.map((r) => JSON.stringify(r)).join("\n") : formatRecords(records));
    });
}
