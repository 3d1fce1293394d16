import type { Command } from "commander";
import { channelCredentials, clusterChannelOptions } from "../transport/tls/cluster-credentials.js";
import { FaultInjectionClient, type MigrationFault } from "../gen/xensim/v1/fault.js";
import type { CliIo } from "./domain-commands.js";
import { oneHost } from "./host-routing.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { cliClientOptions } from "./query-deadline.js";

interface MigrationFaultOptions {
  corruptPage?: boolean;
  stallAfterPauseMs?: string;
  stallBeforeHandoverMs?: string;
}

/** Faults act on one host: -H, or the cluster's only host. */
async function faultClient(program: Command, verb: string): Promise<FaultInjectionClient> {
  const host = await oneHost(program, `fault ${verb}`);
  return new FaultInjectionClient(host.address, channelCredentials(["host"]), {
    ...clusterChannelOptions(),
    ...cliClientOptions(host.address),
  });
}

/** A whole number of ms as typed; the host checks the range and says what it allows. */
function stallMs(text: string | undefined, flag: string): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value))
    throw new Error(`${flag} "${text}": give a whole number of milliseconds`);
  return value;
}

function formatFault(fault: MigrationFault): string {
  const parts = [
    fault.corruptPage ? "corrupt-page" : "",
    fault.stallAfterPauseMs > 0 ? `stall-after-pause ${fault.stallAfterPauseMs} ms` : "",
    fault.stallBeforeHandoverMs > 0 ? `stall-before-handover ${fault.stallBeforeHandoverMs} ms` : "",
  ].filter((part) => part !== "");
  return `${fault.domain}: ${parts.join(", ")}`;
}

/**
 * `xsim fault ...` (docs/specs/fault-injection.md): a host started with --allow-fault-injection
 * crashes a domain or arms faults for a domain's next outgoing migration; any other host refuses.
 */
export function addFaultCommands(program: Command, io: CliIo): void {
  const fault = program
    .command("fault")
    .description("Inject faults on a host started with --allow-fault-injection (xensim, for tests)");
  fault
    .command("crash")
    .description("Crash a domain, as the hypervisor's domain_crash")
    .argument("<domain>")
    .action(async (domain: string) => {
      const client = await faultClient(program, "crash");
      const reply = await unaryCall(client.crashDomain.bind(client), { domain });
      io.out(`crashed ${reply.domain} (domid ${reply.domid})`);
    });
  fault
    .command("migration")
    .description("Arm faults for the domain's next outgoing migration from this host")
    .argument("<domain>")
    .option("--corrupt-page", "flip a byte of the first data page on the link")
    .option("--stall-after-pause-ms <ms>", "hold the stream this long once the guest is paused (0-60000)")
    .option("--stall-before-handover-ms <ms>", "hold Go this long after the destination confirmed (0-60000)")
    .action(async (domain: string, options: MigrationFaultOptions) => {
      const client = await faultClient(program, "migration");
      const reply = await unaryCall(client.armMigrationFault.bind(client), {
        domain,
        corruptPage: options.corruptPage ?? false,
        stallAfterPauseMs: stallMs(options.stallAfterPauseMs, "--stall-after-pause-ms"),
        stallBeforeHandoverMs: stallMs(options.stallBeforeHandoverMs, "--stall-before-handover-ms"),
      });
      if (reply.fault) io.out(`armed ${formatFault(reply.fault)}`);
    });
  fault
    .command("list")
    .description("The migration faults armed and not yet taken")
    .action(async () => {
      const client = await faultClient(program, "list");
      const reply = await unaryCall(client.listFaults.bind(client), {});
      io.out(reply.migrationFaults.map(formatFault).join("\n"));
    });
  fault
    .command("clear")
    .description("Disarm every armed migration fault")
    .action(async () => {
      const client = await faultClient(program, "clear");
      await unaryCall(client.clearFaults.bind(client), {});
    });
}
