import { channelCredentials, clusterChannelOptions } from "../transport/tls/cluster-credentials.js";
import type { Command } from "commander";
import { HaClient, HaDeclareDeadReply, HaResetPowerStateReply, type HaState } from "../gen/xensim/v1/ha.js";
import { JSON_HELP, toJson } from "./json-output.js";
import type { CliIo } from "./domain-commands.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { requireScheduler } from "./scheduler-commands.js";
import { HA_CALL_DEADLINE_MS, LEASE_UNCONFIRMED } from "../contracts/lease.js";

/**
 * `xsim ha-enable`, `ha-disable`, `ha-status` (docs/specs/ha.md §1), as XAPI's pool-ha-enable, and
 * `host-declare-dead` (§7), as XAPI's host-declare-dead, and `vm-reset-powerstate` (§8), as XAPI's.
 */
export function addHaCommands(program: Command, io: CliIo): void {
  const deadline = () => ({ deadline: Date.now() + HA_CALL_DEADLINE_MS });
  const client = () =>
    new HaClient(requireScheduler(), channelCredentials(["scheduler"]), clusterChannelOptions());
  program
    .command("ha-enable")
    .description("Enable HA for the cluster: protected guests restart elsewhere when a host is lost")
    .option("--timeout <seconds>", "HA timeout T (more than 10 s; default 30)")
    .option("--allow-short-timeout", "allow T of 10 s or less (tests only)")
    .action(async (options: { timeout?: string; allowShortTimeout?: boolean }) => {
      const seconds = options.timeout === undefined ? 0 : Number(options.timeout);
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new Error(`ha-enable --timeout: "${options.timeout}" is not a number of seconds`);
      const c = client();
      const request = {
        timeoutMs: Math.round(seconds * 1000),
        allowShortTimeout: options.allowShortTimeout === true,
      };
      io.out(formatHaState(await unaryCall(c.enable.bind(c), request, deadline())));
    });
  program
    .command("ha-disable")
    .description("Disable HA for the cluster: nothing is fenced or restarted")
    .action(async () => {
      const c = client();
      io.out(formatHaState(await unaryCall(c.disable.bind(c), {}, deadline())));
    });
  program
    .command("ha-status")
    .description("Show whether HA is enabled, its timeout and every host's lease")
    .action(async () => {
      const c = client();
      io.out(formatHaState(await unaryCall(c.status.bind(c), {}, deadline())));
    });
  program
    .command("host-declare-dead")
    .description(
      "Declare that a host is off for good (as xe host-declare-dead): it is disabled (no guest lands on " +
        "it until host-enable, once repaired), its guests are halted and their " +
        "names freed; with HA on, its protected guests restart elsewhere. Refused while the cluster sees " +
        "it alive; should it come back, it destroys every guest it ran. WARNING: a host that is in fact " +
        "alive and cut off runs its guests on until it reaches the state store",
    )
    .argument("<host>")
    .option("--json", JSON_HELP)
    .action(async (hostId: string, options: { json?: boolean }) => {
      const c = client();
      const reply = await unaryCall(c.declareDead.bind(c), { hostId }, deadline());
      io.out(options.json ? toJson(HaDeclareDeadReply.toJSON(reply)) : formatDeclaredDead(reply));
    });
  program
    .command("vm-reset-powerstate")
    .description(
      "Mark a guest lost with its host halted in the cluster's records only (as xe vm-reset-powerstate " +
        "--force): its HA record and name are freed, so nothing restarts it and a create of it works " +
        "again. Refused while its host may still run it (alive, answering, or under the lease epoch it " +
        "ran under) and, with HA on, for a protected guest. WARNING: no host is asked: a guest that in " +
        "fact still runs on a host cut off for T would run beside the one you create",
    )
    .argument("<name>", "the guest")
    .option("--force", "required: you know the guest no longer runs (as xe's force=true)")
    .option("--json", JSON_HELP)
    .action(async (name: string, options: { force?: boolean; json?: boolean }) => {
      const c = client();
      const request = { name, force: options.force === true };
      const reply = await unaryCall(c.resetPowerState.bind(c), request, deadline());
      io.out(options.json ? toJson(HaResetPowerStateReply.toJSON(reply)) : formatPowerStateReset(reply));
    });
}

/** What `xsim vm-reset-powerstate` prints: what became of the guest, and what the user may do now. */
export function formatPowerStateReset(reply: HaResetPowerStateReply): string {
  if (!reply.halted)
    return `${reply.name}: not reset: its name was taken meanwhile (an HA restart or a restore starts it; its HA record is dropped) (it ran on ${reply.hostId}: ${reply.lostBecause})`;
  return (
    `${reply.name}: power state reset to halted (it ran on ${reply.hostId}: ${reply.lostBecause}); ` +
    `its HA record and name are free: create it again to start it`
  );
}

/** What `xsim host-declare-dead` prints: the host, then what became of its guests. */
export function formatDeclaredDead(reply: HaDeclareDeadReply): string {
  const disabled = reply.disabled ? " and disabled" : "";
  const lines = [
    reply.alreadyDead
      ? `${reply.hostId}: declared dead before (lease epoch ${reply.leaseEpoch})${disabled}`
      : `${reply.hostId}: declared dead (lease epoch ${reply.leaseEpoch} revoked)${disabled}`,
    `halted: ${reply.halted.join(", ") || "none"}`,
  ];
  if (reply.restarting.length > 0) lines.push(`restarted by HA: ${reply.restarting.join(", ")}`);
  if (reply.elsewhere.length > 0)
    lines.push(`running on other hosts, left as they are: ${reply.elsewhere.join(", ")}`);
  if (reply.disabled)
    lines.push(
      `${reply.hostId} takes no guest until you run host-enable ${reply.hostId} once it is repaired`,
    );
  return lines.join("\n");
}

export function formatHaState(state: HaState): string {
  const lines = [`HA ${state.enabled ? "enabled" : "disabled"}, timeout ${state.timeoutMs / 1000} s`];
  if (state.hosts.length > 0) lines.push("Host         Lease        Age(s)  Revision  Sees");
  for (const host of state.hosts) {
    lines.push(
      `${host.hostId.padEnd(12)} ${host.state.padEnd(11)} ${ageShown(host).padStart(7)}  ` +
        `${String(host.revision).padStart(8)}  ${host.sees.join(",") || "-"}`,
    );
  }
  return lines.join("\n");
}

/** Seconds since the scheduler saw the lease renewed; "-" while it has not (unconfirmed). */
function ageShown(host: HaState["hosts"][number]): string {
  return host.state === LEASE_UNCONFIRMED ? "-" : (host.ageMs / 1000).toFixed(1);
}
