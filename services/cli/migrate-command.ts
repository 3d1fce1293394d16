import type { Command } from "commander";
import type { MigrateRequest, MigrationStats } from "../gen/xensim/v1/migration.js";
import { resolveHostAddress } from "./cluster-state.js";
import type { CliIo } from "./domain-commands.js";
import { hostOfDomain, requestedHost } from "./host-routing.js";
import { followMigration, progressBar } from "./migrate-progress.js";
import { formatMigrationStats } from "./migration-format.js";
import { queryMigrateJson } from "./migration-json.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { requireScheduler } from "./scheduler-commands.js";
import { bandwidthArg, wholeNumberArg } from "./number-args.js";
import { QEMU_DOWNTIME_LIMIT_MS_MAX } from "../dom0/precopy/qemu-policy.js";
import { connectCliMigration } from "./cli-clients.js";
import { cancelOnInterrupt } from "./migrate-cancel.js";

interface MigrateOptions {
  policy: string;
  live: boolean;
  bandwidth: string;
  downtimeLimit?: string;
  autoConverge?: boolean;
  p?: boolean;
  json?: boolean;
}

/** The flags both ways of migrating carry: to a source host (-H) or through the scheduler. */
export type MigrateFlags = Pick<
  MigrateRequest,
  "policy" | "live" | "bandwidth" | "downtimeLimitMs" | "autoConverge" | "pausedAtDestination" | "keepPaused"
>;

export function migrateFlags(options: MigrateOptions): MigrateFlags {
  return {
    policy: options.policy,
    live: options.live,
    bandwidth: bandwidthArg(options.bandwidth),
    downtimeLimitMs: downtimeLimitMs(options.downtimeLimit),
    autoConverge: options.autoConverge ?? false,
    pausedAtDestination: options.p ?? false,
    // As xl: the guest runs at the destination unless -p, even if it was paused here.
    keepPaused: false,
  };
}

/** `--downtime-limit MS` as QEMU's downtime-limit: 1..2000 s; absent = the policy's default (0). */
function downtimeLimitMs(text: string | undefined): number {
  if (text === undefined) return 0;
  return wholeNumberArg(text, "--downtime-limit", 1, QEMU_DOWNTIME_LIMIT_MS_MAX);
}

/** `xsim migrate dom [host]`: through the scheduler unless -H names the source host. */
export function addMigrateCommand(program: Command, io: CliIo): void {
  program
    .command("migrate")
    .description("Migrate a domain to another host (live by default)")
    .argument("<domain>")
    .argument(
      "[host]",
      "destination: a host id or host:port; without -H the scheduler picks one when omitted",
    )
    .option("--policy <name>", "pre-copy policy: xen, xen-legacy, qemu, clark", "xen")
    .option("--no-live", "pause the guest, copy, resume (non-live)")
    .option("--bandwidth <limit>", 'e.g. "100Mbit/s", "125MB/s", "dynamic", "unlimited"', "unlimited")
    .option("--downtime-limit <ms>", "qemu policy: downtime limit in ms (default 300)")
    .option("--auto-converge", "qemu policy: throttle a guest that does not converge")
    .option("-p", "do not unpause the domain after migrating it (xl migrate -p)")
    .option("--json", "print the final statistics as JSON, with QEMU's query-migrate names")
    .action(async (domain: string, host: string | undefined, options: MigrateOptions) => {
      const flags = migrateFlags(options);
      const bar = progressBar(process.stderr.isTTY === true && !options.json);
      // Ctrl-C cancels the migration at its source (virsh migrate's way), and waits for its end.
      const stopCancelling = cancelOnInterrupt(program, domain, {
        err: (text) => {
          bar.stop();
          io.err(text);
        },
      });
      const stats = await migrate(program, domain, host, flags, bar).finally(() => {
        stopCancelling();
        bar.stop();
      });
      io.out(options.json ? JSON.stringify(queryMigrateJson(stats), null, 2) : formatMigrationStats(stats));
      if (stats.status !== "completed") throw new Error(`migration ${stats.status}: ${stats.error}`);
    });
}

/**
 * -H and a destination: straight from that source host. Otherwise through the scheduler, which
 * finds the domain (and picks a destination when none is given); without a scheduler, from the
 * host that runs the domain.
 */
async function migrate(
  program: Command,
  domain: string,
  host: string | undefined,
  flags: MigrateFlags,
  onStats: (stats: MigrationStats) => void,
): Promise<MigrationStats> {
  const source = requestedHost(program);
  const scheduler = schedulerAddress();
  if (host !== undefined && (source || !scheduler)) {
    const from = source ? resolveHostAddress(source) : (await hostOfDomain(program, domain)).address;
    return migrateFromHost(from, resolveHostAddress(host), domain, flags, onStats);
  }
  return migrateThroughScheduler(scheduler ?? requireScheduler(), domain, host, flags, onStats);
}

function migrateFromHost(
  source: string,
  destination: string,
  domain: string,
  flags: MigrateFlags,
  onStats: (stats: MigrationStats) => void,
): Promise<MigrationStats> {
  const client = connectCliMigration(source);
  const call = client.migrate({
    domain,
    destination,
    ...flags,
  });
  return followMigration(call, onStats, { from: `source host ${source}`, domain }).finally(() =>
    client.close(),
  );
}

function migrateThroughScheduler(
  scheduler: string,
  domain: string,
  host: string | undefined,
  flags: MigrateFlags,
  onStats: (stats: MigrationStats) => void,
): Promise<MigrationStats> {
  const client = connectScheduler(scheduler);
  const call = client.migrate({ domain, destinationHostId: host ?? "", ...flags });
  return followMigration(call, onStats, { from: `scheduler ${scheduler}`, domain }).finally(() =>
    client.close(),
  );
}
