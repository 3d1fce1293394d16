import type { Scheduler } from "./scheduler.js";

/**
 * The traces (`migratingTo`, docs/specs/ha.md §5) of migrations that provably did not happen and
 * that this scheduler could not clear when they ended (the store unreachable: HaRecords.unended),
 * cleared at a reconcile once the store answers and the hosts show the migration over: the guest
 * runs on its record's host (`runsOn`, from Lists made after the records were read), no copy of it
 * is in flight on any host listed (`moving`), the destination was listed too (`read`: it holds no
 * copy of it), and this scheduler runs no migration of it. A migration of it begun meanwhile by
 * this scheduler writes its trace over (HaRecords.beginMigration), so this clear then loses. Before,
 * one failed write left the record naming the destination for good: the reconcile listed that host
 * every time for it and never dropped the record of a guest gone from its host.
 *
 * The reconcile (reconcile.ts) calls it after moving the records to where their guests run.
 */
export async function clearUnendedTraces(
  scheduler: Scheduler,
  runsOn: (uuid: string) => string | undefined,
  moving: ReadonlySet<string>,
  read: ReadonlySet<string>,
): Promise<void> {
  const unended = scheduler.ha.unended;
  for (const [uuid, destinationHostId] of [...unended]) {
    const hostId = runsOn(uuid);
    if (hostId === undefined || moving.has(uuid) || !read.has(destinationHostId)) continue;
    if (scheduler.migrationsRunning.has(`${uuid}@${hostId}`)) continue;
    const still = () => unended.get(uuid) === destinationHostId;
    try {
      if (await scheduler.ha.clearTrace(uuid, destinationHostId, hostId, still))
        scheduler.log(
          `reconcile: cleared the HA record's trace of a migration of ${uuid} to ${destinationHostId} that did not happen: it runs on ${hostId}`,
        );
      // Done once the record names that destination no more (cleared, or another migration's).
      if (still() && (await scheduler.ha.get(uuid))?.migratingTo !== destinationHostId) unended.delete(uuid);
    } catch (error) {
      scheduler.log(
        `reconcile: the HA record of ${uuid} still names ${destinationHostId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
