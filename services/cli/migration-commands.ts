import type { Command } from "commander";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { hostOfDomain, oneHost, targetHosts } from "./host-routing.js";
import { queryMigrateJson } from "./migration-json.js";
import { addMigrateCommand } from "./migrate-command.js";
import { addMigrateCancelCommand, cancelOnInterrupt } from "./migrate-cancel.js";
import type { MigrationStats } from "../gen/xensim/v1/migration.js";
import { connectCliMigration } from "./cli-clients.js";

/** `xsim migrate`, `migrate-cancel`, `save`, `restore`, `migrations`: xl's verbs on the migration stream. */
export function addMigrationCommands(program: Command, io: CliIo): void {
  addMigrateCommand(program, io);
  addMigrateCancelCommand(program, io);

  program
    .command("save")
    .description("Save a domain state to restore later")
    .option("-c", "leave the domain running after saving")
    .argument("<domain>")
    .argument("<file>")
    .action(async (domain: string, file: string, options: { c?: boolean }) => {
      const client = connectCliMigration((await hostOfDomain(program, domain)).address);
      // The host's path: a relative one is inside the host's state directory (dom0/confined-paths.ts).
      const request = { domain, path: file, keepRunning: options.c ?? false };
      // Ctrl-C cancels the save at the host (nothing saved, the guest runs on), as for migrate.
      const stopCancelling = cancelOnInterrupt(program, domain, io, "save");
      const event = await unaryCall(client.save.bind(client), request).finally(() => {
        stopCancelling();
        client.close();
      });
      io.err(
        `Saved domain ${domain} to ${file}: ${event.stats?.bytesTransferred} bytes in ${event.stats?.totalTimeMs.toFixed(1)} ms`,
      );
    });

  program
    .command("restore")
    .description("Restore a domain from a saved state (on the -H host)")
    .option("-p", "do not unpause the domain after restoring it")
    .argument("<file>")
    .action(async (file: string, options: { p?: boolean }) => {
      const client = connectCliMigration((await oneHost(program, "restore")).address);
      const reply = await unaryCall(client.restore.bind(client), {
        path: file,
        paused: options.p ?? false,
      });
      client.close();
      io.err(
        `Restored domain ${reply.name} (domid ${reply.domid}), ${reply.pagesVerified} pages verified, memory checksum ${reply.memoryChecksum}`,
      );
    });

  program
    .command("migrations")
    .description("List recent migrations, from every host without -H (xensim)")
    .option("--json", "as JSON, with QEMU's query-migrate names")
    .action(async (options: { json?: boolean }) => {
      const migrations = await recentMigrations(program);
      if (options.json) io.out(JSON.stringify(migrations.map(queryMigrateJson), null, 2));
      else for (const m of migrations) io.out(formatMigrationLine(m));
    });
}

/** Each host lists the migrations it sent, so every migration appears once. */
async function recentMigrations(program: Command): Promise<MigrationStats[]> {
  const perHost = await Promise.all(
    (await targetHosts(program)).map(async (host) => {
      const client = connectCliMigration(host.address);
      try {
        return (await unaryCall(client.listMigrations.bind(client), {})).migrations;
      } finally {
        client.close();
      }
    }),
  );
  return perHost.flat();
}

/** Active, the downtime is not measured yet: the line shows QEMU's estimate of it, labelled so. */
export function formatMigrationLine(m: MigrationStats): string {
  const downtime =
    m.status === "active" || m.status === "setup" || m.status === "cancelling"
      ? `expected downtime ${m.expectedDowntimeEstimateMs.toFixed(1)} ms (estimate)`
      : `downtime ${m.downtimeMs.toFixed(1)} ms`;
  return `${m.migrationId}  ${m.domain}  ${m.source} -> ${m.destination}  ${m.status}  ${m.totalTimeMs.toFixed(0)} ms  ${downtime}`;
}
