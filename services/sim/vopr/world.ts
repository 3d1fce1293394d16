import { INCOMING_SUFFIX } from "../../dom0/migrate/incoming.js";
import { MIGRATED_AWAY_SUFFIX } from "../../dom0/migrate/outbound.js";
import { leaseKey, parseLease } from "../../contracts/lease.js";
import type { SimCluster } from "../cluster.js";
import type { SimHost } from "../sim-host.js";

export { MIGRATED_AWAY_SUFFIX };
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
   * It can never run again: a protected guest on a host whose lease, of the host's current epoch,
   * is revoked, and either paused — held by the host (§4 rule 4), paused by the user, or on a host
   * stalled before it could hold — or unpaused on a host stalled since before the revocation: its
   * process runs no guest tick until it wakes, and then holds before any tick or RPC (§6; VOPR
   * seed 38). A revoked lease cannot be renewed (compare-and-set), a hold ends only with a
   * renewal, a user's unpause is refused while the lease is unconfirmed (§4 rule 8), and the host
   * fences at its next statefile round; HA may restart the guest meanwhile (docs/specs/ha.md §6).
   * DoomedCopies holds the cluster to it: a doomed copy never runs again under that epoch.
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
    const revokedAtMs = currentLeaseRevokedAtMs(cluster, host);
    const revoked = revokedAtMs !== undefined;
    const stalledSinceMs = host.process.stalledSinceMs;
    const frozenSinceRevocation = revoked && stalledSinceMs !== undefined && stalledSinceMs < revokedAtMs;
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
        isDoomed: isProtected && revoked && (domain.paused || frozenSinceRevocation),
        leaseEpoch: host.host.leaseEpoch,
        checksum: () => domain.memory.checksum(),
      });
    }
  }
  return copies;
}

/**
 * When the bucket's revocation of the host's lease of its current epoch was written (whether the
 * host knows yet or not); undefined when that lease is not revoked.
 */
function currentLeaseRevokedAtMs(cluster: SimCluster, host: SimHost): number | undefined {
  const keeper = host.host.ha;
  if (!keeper) return undefined;
  const key = leaseKey(host.hostId);
  const text = cluster.kv.peek(key)?.value;
  const lease = text === undefined ? undefined : parseLease(text);
  if (lease?.state !== "revoked" || lease.epoch !== keeper.leaseEpoch) return undefined;
  return cluster.kv.peekWrittenAtMs(key);
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
