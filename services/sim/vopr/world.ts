import { INCOMING_SUFFIX } from "../../dom0/migrate/incoming.js";
import type { SimCluster } from "../cluster.js";

export const MIGRATED_AWAY_SUFFIX = "--migratedaway";

/** One domain copy as it physically exists on a host whose process has not died. */
export interface DomainCopy {
  hostId: string;
  domid: number;
  name: string;
  uuid: string;
  paused: boolean;
  /** Not a migration's stand-in (NAME--incoming or NAME--migratedaway). */
  isPrimary: boolean;
  checksum(): string;
}

/** Every DomU on every host that may still run one (stalled and partitioned hosts included). */
export function domainCopies(cluster: SimCluster): DomainCopy[] {
  const copies: DomainCopy[] = [];
  for (const host of cluster.hosts.values()) {
    if (host.process.state !== "running") continue;
    const toolstack = host.toolstack;
    for (const record of toolstack.records.values()) {
      if (record.domid === 0) continue;
      const domain = toolstack.domainOf(record);
      copies.push({
        hostId: host.hostId,
        domid: record.domid,
        name: record.name,
        uuid: record.uuid,
        paused: domain.paused,
        isPrimary: !record.name.endsWith(INCOMING_SUFFIX) && !record.name.endsWith(MIGRATED_AWAY_SUFFIX),
        checksum: () => domain.memory.checksum(),
      });
    }
  }
  return copies;
}

export function copiesByUuid(copies: readonly DomainCopy[]): Map<string, DomainCopy[]> {
  const byUuid = new Map<string, DomainCopy[]>();
  for (const copy of copies) byUuid.set(copy.uuid, [...(byUuid.get(copy.uuid) ?? []), copy]);
  return byUuid;
}

export function describeCopies(copies: readonly DomainCopy[]): string {
  return copies.map((c) => `${c.name}@${c.hostId}#${c.domid}${c.paused ? "(p)" : ""}`).join(", ");
}
