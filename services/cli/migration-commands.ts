import type { Command } from "commander";
import { resolve } from "node:path";
import { SingleBar } from "cli-progress";
import type { MigrateEvent, MigrationStats } from "../gen/xensim/v1/migration.js";
import { connectMigration } from "../transport/grpc/migration-service.js";
import { resolveHostAddress } from "./cluster-state.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { formatMigrationStats } from "./migration-format.js";
import { connectScheduler, schedulerAddress } from "./scheduler-client.js";
import { requireScheduler } from "./scheduler-commands.js";
import { wholeNumberArg } from "./number-args.js";
import { QEMU_DOWNTIME_LIMIT_MS_MAX } from "../dom0/precopy/qemu-policy.js";

interface MigrateOptions {
  policy: string;
  live: boolean;
  bandwidth: string;
  downtimeLimit?: string;
  autoConverge?: boolean;
  p?: boolean;
  json?: boolean;
}

/** `xsim migrate`, `save`, `restore`, `migrations`: xl's verbs on the migration stream. */
export function addMigrationCommands(program: Command, io: CliIo): void {
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
    .option("-p", "leave the domain paused at the destination")
    .option("--json", "print the final statistics as JSON")
    .action(async (domain: string, host: string | undefined, options: MigrateOptions) => {
      const scheduler = program.opts<{ host?: string }>().host ? undefined : schedulerAddress();
      if (scheduler || host === undefined) {
        const stats = await runClusterMigrate(scheduler ?? requireScheduler(), domain, host, options);
        io.out(options.json ? JSON.stringify(stats, null, 2) : formatMigrationStats(stats));
        if (stats.status !== "completed") throw new Error(`migration ${stats.status}: ${stats.error}`);
        return;
      }
      const source = resolveHostAddress(program.opts<{ host?: string }>().host);
      const destination = resolveHostAddress(host);
      const stats = await runMigrate(source, destination, domain, options, io);
      io.out(options.json ? JSON.stringify(stats, null, 2) : formatMigrationStats(stats));
      if (stats.status !== "completed") throw new Error(`migration ${stats.status}: ${stats.error}`);
    });

  program
    .command("save")
    .description("Save a domain state to restore later")
    .option("-c", "leave the domain running after saving")
    .argument("<domain>")
    .argument("<file>")
    .action(async (domain: string, file: string, options: { c?: boolean }) => {
      const client = connectMigration(resolveHostAddress(program.opts<{ host?: string }>().host));
      const event = await unaryCall(client.save.bind(client), {
        domain,
        path: resolve(file),
        keepRunning: options.c ?? false,
      });
      io.err(
        `Saved domain ${domain} to ${file}: ${event.stats?.bytesTransferred} bytes in ${event.stats?.totalTimeMs.toFixed(1)} ms`,
      );
    });

  program
    .command("restore")
    .description("Restore a domain from a saved state")
    .option("-p", "do not unpause the domain after restoring it")
    .argument("<file>")
    .action(async (file: string, options: { p?: boolean }) => {
      const client = connectMigration(resolveHostAddress(program.opts<{ host?: string }>().host));
      const reply = await unaryCall(client.restore.bind(client), {
        path: resolve(file),
        paused: options.p ?? false,
      });
      io.err(
        `Restored domain ${reply.name} (domid ${reply.domid}), ${reply.pagesVerified} pages verified, memory checksum ${reply.memoryChecksum}`,
      );
    });

  program
    .command("migrations")
    .description("List this host's recent migrations (xensim)")
    .option("--json", "as JSON")
    .action(async (options: { json?: boolean }) => {
      const client = connectMigration(resolveHostAddress(program.opts<{ host?: string }>().host));
      const reply = await unaryCall(client.listMigrations.bind(client), {});
      if (options.json) io.out(JSON.stringify(reply.migrations, null, 2));
      else
        for (const m of reply.migrations)
          io.out(
            `${m.migrationId}  ${m.domain}  ${m.source} -> ${m.destination}  ${m.status}  ${m.totalTimeMs.toFixed(0)} ms  downtime ${m.downtimeMs.toFixed(1)} ms`,
          );
    });
}

function runMigrate(
  source: string,
  destination: string,
  domain: string,
  options: MigrateOptions,
  io: CliIo,
): Promise<MigrationStats> {
  const client = connectMigration(source);
  const call = client.migrate({
    domain,
    destination,
    policy: options.policy,
    live: options.live,
    bandwidth: options.bandwidth,
    downtimeLimitMs: downtimeLimitMs(options.downtimeLimit),
    autoConverge: options.autoConverge ?? false,
    pausedAtDestination: options.p ?? false,
    injectCorruptPage: false,
    injectDelayBeforeStopMs: 0,
  });
  const bar =
    process.stderr.isTTY && !options.json
      ? new SingleBar({
          format: "{bar} {percentage}% | round {round} | {status} | {mib} MiB sent",
          stream: process.stderr,
        })
      : undefined;
  let last: MigrationStats | undefined;
  return new Promise((resolvePromise, reject) => {
    call.on("data", (event: MigrateEvent) => {
      if (!event.stats) return;
      last = event.stats;
      const done = event.stats.bytesTotal > 0 ? 1 - event.stats.bytesRemaining / event.stats.bytesTotal : 0;
      if (bar && !bar.isActive) bar.start(100, 0, {});
      bar?.update(Math.round(done * 100), {
        round: event.stats.dirtySyncCount,
        status: event.stats.status,
        mib: (event.stats.bytesTransferred / 1048576).toFixed(0),
      });
    });
    call.on("error", (error: Error & { details?: string }) => {
      bar?.stop();
      client.close();
      if (last && last.status !== "active" && last.status !== "setup") return resolvePromise(last);
      reject(new Error(error.details ?? error.message));
    });
    call.on("end", () => {
      bar?.stop();
      client.close();
      if (last) resolvePromise(last);
      else reject(new Error("migration ended without statistics"));
      void io;
    });
  });
}

/** `--downtime-limit MS` as QEMU's downtime-limit: 1..2000 s; absent = the policy's default (0). */
function downtimeLimitMs(text: string | undefined): number {
  if (text === undefined) return 0;
  return wholeNumberArg(text, "--downtime-limit", 1, QEMU_DOWNTIME_LIMIT_MS_MAX);
}

function runClusterMigrate(
  scheduler: string,
  domain: string,
  host: string | undefined,
  options: MigrateOptions,
): Promise<MigrationStats> {
  const client = connectScheduler(scheduler);
  const call = client.migrate({
    domain,
    destinationHostId: host ?? "",
    policy: options.policy,
    live: options.live,
    bandwidth: options.bandwidth,
  });
  return new Promise((resolvePromise, reject) => {
    let last: MigrationStats | undefined;
    call.on("data", (event: MigrateEvent) => (last = event.stats ?? last));
    call.on("error", (error: Error & { details?: string }) => {
      client.close();
      reject(new Error(error.details ?? error.message));
    });
    call.on("end", () => {
      client.close();
      if (last) resolvePromise(last);
      else reject(new Error("migration ended without statistics"));
    });
  });
}
