/** A migration's statuses after which nothing more happens to it (the others: setup, active, stop-and-copy, cancelling). */
const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "cancelled", "unknown"]);

export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}
