import { SingleBar } from "cli-progress";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { isNoAnswer } from "../transport/grpc/answer-trailer.js";
import { isServiceError } from "../transport/grpc/host-client.js";
import type { MigrateEvent, MigrationStats } from "../gen/xensim/v1/migration.js";
import { isFinalStatus } from "./migration-status.js";

/** A terminal progress bar on stderr while a migration runs, from its streamed statistics. */
export function progressBar(enabled: boolean): ((stats: MigrationStats) => void) & { stop(): void } {
  const bar = enabled
    ? new SingleBar({
        format:
          "{bar} {percentage}% | round {round} | {status} | {mib} MiB sent | expected downtime {estimate} ms (estimate)",
        stream: process.stderr,
      })
    : undefined;
  const update = (stats: MigrationStats) => {
    if (!bar) return;
    const done = stats.bytesTotal > 0 ? 1 - stats.bytesRemaining / stats.bytesTotal : 0;
    if (!bar.isActive) bar.start(100, 0, {});
    bar.update(Math.round(done * 100), {
      round: stats.dirtySyncCount,
      status: stats.status,
      mib: (stats.bytesTransferred / 1048576).toFixed(0),
      estimate: stats.expectedDowntimeEstimateMs.toFixed(1),
    });
  };
  return Object.assign(update, { stop: () => bar?.stop() });
}

/** Who a migration's stream comes from, for the words of a stream that stops: "source host A:P". */
export interface WatchedMigration {
  from: string;
  domain: string;
}

/**
 * Follows a migration's event stream (from a source host or from the scheduler) to its last
 * statistics, showing each on `onStats`. A stream that fails after a final status (completed,
 * failed, cancelled, unknown) still resolves with it; one whose peer stops answering once the migration
 * runs says that its outcome is unknown (the hosts go on without a watcher); any other failure
 * rejects with the gRPC details.
 */
export function followMigration(
  call: ClientReadableStream<MigrateEvent>,
  onStats: (stats: MigrationStats) => void,
  watched: WatchedMigration,
): Promise<MigrationStats> {
  let last: MigrationStats | undefined;
  return new Promise((resolve, reject) => {
    call.on("data", (event: MigrateEvent) => {
      if (!event.stats) return;
      last = event.stats;
      onStats(event.stats);
    });
    call.on("error", (error: Error & { details?: string }) => {
      if (last && isFinalStatus(last.status)) return resolve(last);
      const details = error.details ?? error.message;
      if (last && isServiceError(error) && isNoAnswer(error))
        return reject(new Error(outcomeUnknown(watched, details)));
      reject(new Error(details));
    });
    call.on("end", () => (last ? resolve(last) : reject(new Error("migration ended without statistics"))));
  });
}

function outcomeUnknown({ from, domain }: WatchedMigration, details: string): string {
  return (
    `the ${from} stopped answering during the migration of ${domain} (${details}): its outcome is ` +
    `unknown until it answers again; xsim list shows where ${domain} runs`
  );
}
