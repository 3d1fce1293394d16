import type { SimCluster } from "../cluster.js";
import type { Ledger } from "./ledger.js";
import { copiesByUuid, describeCopies, type DomainCopy } from "./world.js";

/**
 * The invariants of issues 9 and 10, checked after every VOPR step against the hosts' real state.
 * Each returns one line per violation, empty when it holds.
 */

/** Never two copies of one guest: at most one primary and at most one unpaused copy per uuid. */
export function checkNeverTwice(copies: readonly DomainCopy[]): string[] {
  const problems: string[] = [];
  for (const [uuid, same] of copiesByUuid(copies)) {
    const primaries = same.filter((c) => c.isPrimary);
    const running = same.filter((c) => !c.paused);
    if (primaries.length > 1 || running.length > 1)
      problems.push(`domain ${uuid} exists twice: ${describeCopies(same)}`);
  }
  return problems;
}

/** Names unique in the cluster: one name, one guest. */
export function checkNamesUnique(copies: readonly DomainCopy[]): string[] {
  const uuidsByName = new Map<string, Set<string>>();
  for (const copy of copies.filter((c) => c.isPrimary))
    uuidsByName.set(copy.name, (uuidsByName.get(copy.name) ?? new Set()).add(copy.uuid));
  return [...uuidsByName]
    .filter(([, uuids]) => uuids.size > 1)
    .map(([name, uuids]) => `name ${name} is used by ${uuids.size} domains (${[...uuids].join(", ")})`);
}

/** No frame leaks and no stray records: free + what live domains own == total; records == domains. */
export function checkHosts(cluster: SimCluster): string[] {
  const problems: string[] = [];
  for (const host of cluster.hosts.values()) {
    if (host.process.state !== "running") continue;
    const hypervisor = host.toolstack.hypervisor;
    const frames = hypervisor.frames;
    const domains = hypervisor.domains();
    const owned = domains.reduce((sum, d) => sum + frames.framesOwnedBy(d.domid), 0);
    if (frames.frameCountFreeNow + owned !== frames.frameCountTotal)
      problems.push(
        `${host.hostId}: ${frames.frameCountFreeNow} free + ${owned} owned != ${frames.frameCountTotal} frames`,
      );
    const recordIds = [...host.toolstack.records.keys()].sort((a, b) => a - b).join(",");
    const domainIds = domains.map((d) => d.domid).join(",");
    if (recordIds !== domainIds)
      problems.push(`${host.hostId}: toolstack records [${recordIds}] != hypervisor domains [${domainIds}]`);
    const names = [...host.toolstack.records.values()].map((r) => r.name);
    if (new Set(names).size !== names.length)
      problems.push(`${host.hostId}: two domains share a name (${names.join(", ")})`);
  }
  return problems;
}

/** A paused (or idle) guest's memory is what it was, wherever it moved, until an HA restart. */
export function checkChecksums(ledger: Ledger, copies: readonly DomainCopy[]): string[] {
  const byUuid = copiesByUuid(copies);
  const problems: string[] = [];
  for (const entry of ledger.live()) {
    if (entry.checksum === undefined || entry.uuid === undefined) continue;
    for (const copy of byUuid.get(entry.uuid) ?? []) {
      if (!copy.isPrimary) continue;
      const now = copy.checksum();
      if (now !== entry.checksum)
        problems.push(`${entry.name}: memory checksum ${now} on ${copy.hostId}, expected ${entry.checksum}`);
    }
  }
  return problems;
}

/** A guest the user destroyed stays destroyed (no stale HA record brings it back). */
export function checkDestroyedStayDestroyed(ledger: Ledger, copies: readonly DomainCopy[]): string[] {
  const byUuid = copiesByUuid(copies);
  return ledger.entries
    .filter((e) => e.status === "destroyed" && e.uuid !== undefined && byUuid.has(e.uuid))
    .map((e) => `${e.name} was destroyed but runs again: ${describeCopies(byUuid.get(e.uuid!)!)}`);
}

/**
 * Once the cluster has been whole and quiet long enough for recovery, every domain the user was
 * told exists runs exactly once (an HA one restarted if its host died; a non-HA one lost only with
 * its host).
 */
export function checkRecovered(ledger: Ledger, copies: readonly DomainCopy[]): string[] {
  const byUuid = copiesByUuid(copies);
  const problems: string[] = [];
  for (const entry of ledger.entries.filter((e) => e.status === "created")) {
    const primaries = (byUuid.get(entry.uuid!) ?? []).filter((c) => c.isPrimary);
    if (primaries.length !== 1)
      problems.push(
        `${entry.name}${entry.ha ? " (HA)" : ""} runs ${primaries.length} times after recovery: ${describeCopies(byUuid.get(entry.uuid!) ?? [])}`,
      );
  }
  return problems;
}
