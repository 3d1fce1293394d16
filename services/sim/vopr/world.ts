import { INCOMING_SUFFIX } from "../../dom0/migrate/incoming.js";
import { leaseKey, parseLease } from "../../contracts/lease.js";
import type { SimCluster } from "../cluster.js";
import type { SimHost } from "../sim-host.js";

export const MIGRATED_AWAY_SUFFIX = "--migratedaway";
const STAND_IN_SUFFIXES = [INCOMING_SUFFIX, MIGRATED_AWAY_SUFFIX] as const;

/** A migration's stand-in (NAME--incoming or NAME--migratedaway), not the guest's own copy. */
export function isStandInName(name: string): boolean {
  return STAND_IN_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** The guest's name behind a stand-in's name (itself for a primary copy). */
export function guestNameOf(name: string): string {
  const suffix = STAND_IN_SUFFIXES.find((sfx) => name.endsWith(sfx));
  return suffix === undefined ? name : name.slice(0, -suffix.length);
}

/** One domain copy as it physically exists on a host whose process has not died. */
export interface DomainCopy {
  hostId: string;
  domid: number;
  name: string;
  uuid: string;
  paused: boolean;
  /** Not a migration's stand-in (NAME--incoming or NAME--migratedaway). */
  isPrimary: boolean;
  /** HA restarts it when its host is lost (xsim_ha set). */
  isProtected: boolean;
  /**
   * It can never run again: a protected guest paused on a host whose lease, of the host's current
   * epoch, is revoked — held by the host (§4 rule 4), paused by the user, or on a host stalled
   * before it could hold. A revoked lease cannot be renewed (compare-and-set), a hold ends only
   * with a renewal, a user's unpause is refused while the lease is unconfirmed (§4 rule 8), and the
   * host fences at its next statefile round; HA may restart the guest meanwhile
   * (docs/specs/ha.md §6). checkDoomedStayPaused holds the cluster to it.
   */
  isDoomed: boolean;
  /** The epoch of its host's lease now (empty without HA): a fence or a restart starts a new one. */
  leaseEpoch: string;
  checksum(): string;
}

/** Every DomU on every host that may still run one (stalled and partitioned hosts included). */
export function domainCopies(cluster: SimCluster): DomainCopy[] {
  const copies: DomainCopy[] = [];
  for (const host of cluster.hosts.values()) {
    if (host.process.state !== "running") continue;
    const toolstack = host.toolstack;
    const revoked = currentLeaseRevoked(cluster, host);
    for (const record of toolstack.records.values()) {
      if (record.domid === 0) continue;
      const domain = toolstack.domainOf(record);
      const isProtected = record.config.xsim.ha !== undefined;
      copies.push({
        hostId: host.hostId,
        domid: record.domid,
        name: record.name,
        uuid: record.uuid,
        paused: domain.paused,
        isPrimary: !isStandInName(record.name),
        isProtected,
        isDoomed: isProtected && domain.paused && revoked,
        leaseEpoch: host.host.leaseEpoch,
        checksum: () => domain.memory.checksum(),
      });
    }
  }
  return copies;
}

/** The bucket says the host's lease of its current epoch is revoked (whether it knows yet or not). */
function currentLeaseRevoked(cluster: SimCluster, host: SimHost): boolean {
  const keeper = host.host.ha;
  if (!keeper) return false;
  const text = cluster.kv.peek(leaseKey(host.hostId))?.value;
  const lease = text === undefined ? undefined : parseLease(text);
  return lease?.state === "revoked" && lease.epoch === keeper.leaseEpoch;
}

/** The copies that may still run: every copy but the doomed ones. */
export function mayRun(copies: readonly DomainCopy[]): DomainCopy[] {
  return copies.filter((c) => !c.isDoomed);
}

export function copiesByUuid(copies: readonly DomainCopy[]): Map<string, DomainCopy[]> {
  const byUuid = new Map<string, DomainCopy[]>();
  for (const copy of copies) byUuid.set(copy.uuid, [...(byUuid.get(copy.uuid) ?? []), copy]);
  return byUuid;
}

export function describeCopies(copies: readonly DomainCopy[]): string {
  return copies
    .map((c) => `${c.name}@${c.hostId}#${c.domid}${c.isDoomed ? "(doomed)" : c.paused ? "(p)" : ""}`)
    .join(", ");
}
