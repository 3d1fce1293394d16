import type { Command } from "commander";
import type { MigrationStats } from "../gen/xensim/v1/migration.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import { connectCliMigration } from "./cli-clients.js";
import type { CliIo } from "./domain-commands.js";
import { describeError } from "./error-words.js";
import { hostOfDomain, type HostTarget } from "./host-routing.js";
import { isFinalStatus } from "./migration-status.js";

/** How long `xsim migrate-cancel` waits for the cancelled migration to end (it stops at its next page record). */
export const CANCEL_WAIT_MS_MAX = 30_000;
/** How often it asks the source meanwhile. */
export const CANCEL_POLL_INTERVAL_MS = 100;
/** The exit status of a command stopped by Ctrl-C (128 + SIGINT), as a shell reports it. */
export const INTERRUPTED_EXIT_STATUS = 130;

/** Asks the host that sends `domain`'s migration (-H's, else the one that runs it) to cancel it. */
export async function cancelMigration(
  program: Command,
  domain: string,
  reason: string,
): Promise<{ source: HostTarget; stats: MigrationStats }> {
  const source = await hostOfDomain(program, domain);
  const client = connectCliMigration(source.address);
  try {
    return { source, stats: await unaryCall(client.cancel.bind(client), { domain, reason }) };
  } finally {
    client.close();
  }
}

/** The migration's statistics once it ended, from its source; undefined if it did not within the bound. */
async function awaitEnd(address: string, migrationId: string): Promise<MigrationStats | undefined> {
  const client = connectCliMigration(address);
  try {
    for (let waitedMs = 0; waitedMs <= CANCEL_WAIT_MS_MAX; waitedMs += CANCEL_POLL_INTERVAL_MS) {
      const { migrations } = await unaryCall(client.listMigrations.bind(client), {});
      const stats = migrations.find((m) => m.migrationId === migrationId);
      if (stats && isFinalStatus(stats.status)) return stats;
      await new Promise((resolve) => setTimeout(resolve, CANCEL_POLL_INTERVAL_MS));
    }
    return undefined;
  } finally {
    client.close();
  }
}

/** What `xsim migrate-cancel` prints once the migration ended (or did not, within the bound). */
export function cancelOutcomeLine(domain: string, source: string, ended: MigrationStats | undefined): string {
  if (!ended)
    return `Asked ${source} to cancel the migration of ${domain}; it had not ended after ${CANCEL_WAIT_MS_MAX / 1000} s (xsim migrations shows it)`;
  // A save (xl save) is listed and cancelled as a migration to a file.
  const what = ended.policy === SAVE_POLICY ? "save" : "migration";
  const route = what === "save" ? `to ${ended.destination}` : `${ended.source} -> ${ended.destination}`;
  if (ended.status === "cancelled")
    return `Cancelled the ${what} of ${domain} (${route}) after ${ended.totalTimeMs.toFixed(0)} ms: ${domain} runs on at ${ended.source}`;
  return `The ${what} of ${domain} (${route}) ended ${ended.status} before the cancel took: ${ended.error || "nothing to undo"}`;
}

/** The policy a save's statistics carry (dom0/migrate/save-restore.ts). */
const SAVE_POLICY = "save";

/** `xsim migrate-cancel DOMAIN`: QEMU's migrate_cancel, XAPI's task-cancel of a VM migration. */
export function addMigrateCancelCommand(program: Command, io: CliIo): void {
  program
    .command("migrate-cancel")
    .description(
      "Cancel a domain's migration at its source; honoured until the handover, the guest then runs on at the source (xensim, as QEMU's migrate_cancel)",
    )
    .argument("<domain>")
    .action(async (domain: string) => {
      const { source, stats } = await cancelMigration(
        program,
        domain,
        "the operator asked (xsim migrate-cancel)",
      );
      const ended = await awaitEnd(source.address, stats.migrationId);
      io.out(cancelOutcomeLine(domain, source.hostId, ended));
      if (ended?.status !== "cancelled") process.exitCode = 1;
    });
}

/**
 * While `xsim migrate` watches a migration of `domain`: the first Ctrl-C asks its source to cancel
 * it (the watch then shows it end cancelled, or completed if the handover had begun), a second stops
 * watching and leaves the migration to end on its own. Returns the function that removes the handler.
 */
export function cancelOnInterrupt(
  program: Command,
  domain: string,
  io: Pick<CliIo, "err">,
  verb: "migrate" | "save" = "migrate",
): () => void {
  const what = verb === "save" ? "save" : "migration";
  let interruptCount = 0;
  const onInterrupt = () => {
    interruptCount++;
    if (interruptCount > 1) {
      io.err(`xsim: stopped watching: the ${what} of ${domain} ends on its own (xsim migrations shows how)`);
      process.exit(INTERRUPTED_EXIT_STATUS);
    }
    io.err(`xsim: cancelling the ${what} of ${domain} (Ctrl-C again to stop watching)`);
    cancelMigration(program, domain, `the operator asked (Ctrl-C at xsim ${verb})`).catch((error: unknown) =>
      io.err(`xsim: could not cancel the ${what} of ${domain}: ${describeError(error)}`),
    );
  };
  process.on("SIGINT", onInterrupt);
  return () => process.off("SIGINT", onInterrupt);
}
