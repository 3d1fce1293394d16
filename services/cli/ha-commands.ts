import { channelCredentials, clusterChannelOptions } from "../transport/tls/cluster-credentials.js";
import type { Command } from "commander";
import { HaClient, type HaState } from "../gen/xensim/v1/ha.js";
import type { CliIo } from "./domain-commands.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { requireScheduler } from "./scheduler-commands.js";
import { HA_CALL_DEADLINE_MS, LEASE_UNCONFIRMED } from "../contracts/lease.js";

/** `xsim ha-enable`, `ha-disable`, `ha-status` (docs/specs/ha.md §1), as XAPI's pool-ha-enable. */
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
