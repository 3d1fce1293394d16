import type { SimCluster } from "../cluster.js";
import type { Ledger } from "./ledger.js";
import type { HaRestart, HostLoss } from "./ha-history.js";
import { copiesByUuid, describeCopies, mayRun, type DomainCopy } from "./world.js";

/**
 * The invariants of issues 9 and 10, checked after every VOPR step against the hosts' real state.
 * Each returns one line per violation, empty when it holds.
 */

/**
 * Never two copies of one guest that may run: at most one primary and at most one unpaused copy
 * per uuid, a doomed copy (world.ts) left out.
 */
export function checkNeverTwice(copies: readonly DomainCopy[]): string[] {
  const problems: string[] = [];
  for (const [uuid, same] of copiesByUuid(copies)) {
    const primaries = mayRun(same).filter((c) => c.isPrimary);
    const running = mayRun(same).filter((c) => !c.paused);
    if (primaries.length > 1 || running.length > 1)
      problems.push(`domain ${uuid} exists twice: ${describeCopies(same)}`);
  }
  return problems;
}

/**
 * A copy doomed by its host's revoked lease never runs again (world.ts isDoomed): every copy once
 * seen doomed is remembered, by host, domid, uuid and the host's lease epoch (a fence or a restart
 * starts a new one), and may never be seen unpaused under that epoch, but while its host still
 * sleeps in the stall that began before the revocation.
 */
export class DoomedCopies {
  /** Key -> when it was first seen doomed (simulated ms). */
  private readonly seenAtMs = new Map<string, number>();

  check(copies: readonly DomainCopy[], nowMs: number): string[] {
    const key = (c: DomainCopy) => `${c.hostId}#${c.domid}/${c.uuid}@${c.leaseEpoch}`;
    const problems = copies
      .filter((c) => !c.paused && !c.isDoomed && this.seenAtMs.has(key(c)))
      .map(
        (c) =>
          `${c.name}@${c.hostId}#${c.domid} runs again: it was doomed there (paused, or its host stalled, with its host's lease revoked) at ${(this.seenAtMs.get(key(c))! / 1000).toFixed(3)} s`,
      );
    for (const copy of copies.filter((c) => c.isDoomed))
      if (!this.seenAtMs.has(key(copy))) this.seenAtMs.set(key(copy), nowMs);
    return problems;
  }
}

/**
 * Names unique in the cluster: one name, one guest, a doomed copy left out: a guest the user
 * destroyed on the host HA restarted it on may be created again under its name (freed in the
 * store) before the old host fences its doomed copy (VOPR seed 550 x 800: web created again on h2
 * 1.0 s before h4 fenced its old one; see checkDestroyedStayDestroyed).
 */
export function checkNamesUnique(copies: readonly DomainCopy[]): string[] {
  const uuidsByName = new Map<string, Set<string>>();
  for (const copy of mayRun(copies).filter((c) => c.isPrimary))
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

/**
 * A guest the user destroyed stays destroyed (no stale HA record brings it back): no copy of it
 * that may run. A doomed copy (world.ts isDoomed) is left out, as every other checker leaves it
 * out: the user may destroy the copy HA restarted while the old host, partitioned or just awake
 * from a stall, still has its paused one under its revoked lease (VOPR seed 550 x 800: web, paused
 * by the user on h4; h4 cut off and stalled, revoked at 2654.9 s, web restarted on h2 and
 * destroyed there at 2655.1 s; h4 fenced its copy at 2657.8 s, isolationConfirmMs after it woke).
 * That copy never runs again (ha.md §4 rule 8, §6): the revoked lease cannot be renewed, a hold
 * ends only with a renewal, a user's unpause is refused, and its host fences it. DoomedCopies holds
 * the cluster to it, and a doomed copy that runs again (its host awake) is no longer doomed: this
 * check fails it too.
 */
export function checkDestroyedStayDestroyed(ledger: Ledger, copies: readonly DomainCopy[]): string[] {
  const byUuid = copiesByUuid(mayRun(copies));
  return ledger.entries
    .filter((e) => e.status === "destroyed" && e.uuid !== undefined && byUuid.has(e.uuid))
    .map((e) => `${e.name} was destroyed but runs again: ${describeCopies(byUuid.get(e.uuid!)!)}`);
}

/**
 * Nothing of a host declared dead runs afterwards (docs/specs/ha.md §7): no guest the user was
 * told halted has a copy that may run, and no copy runs on that host under the lease epoch it was
 * declared dead under (a host back from the dead runs under a new one, its old guests gone).
 */
export function checkDeclaredDead(ledger: Ledger, copies: readonly DomainCopy[]): string[] {
  const running = mayRun(copies);
  const byUuid = copiesByUuid(running);
  const halted = ledger.entries
    .filter((e) => e.status === "halted" && e.uuid !== undefined && byUuid.has(e.uuid))
    .map(
      (e) =>
        `${e.name} was declared halted (its host declared dead) but runs again: ${describeCopies(byUuid.get(e.uuid!)!)}`,
    );
  const underDeadEpoch = running
    .filter((c) => ledger.declaredDead.some((d) => d.hostId === c.hostId && d.leaseEpoch === c.leaseEpoch))
    .map(
      (c) =>
        `${c.name}@${c.hostId}#${c.domid} runs under lease epoch ${c.leaseEpoch}, which was declared dead`,
    );
  return [...halted, ...underDeadEpoch];
}

/**
 * Once the cluster has been whole and quiet long enough for recovery, every domain the user was
 * told exists runs exactly once (an HA one restarted if its host died; a non-HA one lost only with
 * its host). Unless `restartOwed` (HA on long enough, vopr.ts), a protected guest that its host
 * losses took more often than HA restarted it may run nowhere: with HA off it stays down, as the
 * user saw its host die (docs/specs/ha.md §4 rule 1), and its name stays its own; never twice.
 */
export function checkRecovered(ledger: Ledger, copies: readonly DomainCopy[], restartOwed = true): string[] {
  const byUuid = copiesByUuid(copies);
  const problems: string[] = [];
  const restarts = ledger.ha.byGuest();
  for (const entry of ledger.entries.filter((e) => e.status === "created")) {
    const primaries = (byUuid.get(entry.uuid!) ?? []).filter((c) => c.isPrimary);
    const restartCount = restarts.get(entry.uuid!)?.restarts.length ?? 0;
    const downWithHaOff =
      !restartOwed && entry.ha && primaries.length === 0 && ledger.ha.lossCount(entry.uuid!) > restartCount;
    if (primaries.length !== 1 && !downWithHaOff)
      problems.push(
        `${entry.name}${entry.ha ? " (HA)" : ""} runs ${primaries.length} times after recovery: ${describeCopies(byUuid.get(entry.uuid!) ?? [])}`,
      );
  }
  return problems;
}

/**
 * "An HA domain whose host died is restarted once, and never while its old copy may still run",
 * per host loss (a kill, a fence): a guest is never restarted more times than hosts lost it (a
 * doomed copy counts as lost: its host fences it at its next statefile round), and once recovery is
 * due with HA on long enough (`restartOwed`, vopr.ts) a guest the user still has was restarted
 * exactly once per loss, its losses while HA was off included (docs/specs/ha.md §4 rule 1: down
 * until HA is enabled again). A restart while a copy that may run exists is caught as it happens
 * (vopr.ts onDomainEvent, checkNeverTwice), and so is one while HA is off.
 */
export function checkRestartsPerLoss(
  ledger: Ledger,
  copies: readonly DomainCopy[],
  restartOwed: boolean,
): string[] {
  const doomedCount = new Map<string, number>();
  for (const copy of copies.filter((c) => c.isDoomed && c.isPrimary))
    doomedCount.set(copy.uuid, (doomedCount.get(copy.uuid) ?? 0) + 1);
  const problems: string[] = [];
  for (const [uuid, { losses, restarts }] of ledger.ha.byGuest()) {
    const entry = ledger.byUuid(uuid);
    const lossCount = ledger.ha.lossCount(uuid);
    const tooMany = restarts.length > lossCount + (doomedCount.get(uuid) ?? 0);
    const owed = restartOwed && entry?.status === "created" && restarts.length !== lossCount;
    if (tooMany || owed)
      problems.push(
        `${entry?.name ?? restarts[0]?.name ?? uuid} restarted ${restarts.length} time(s) for ${lossCount} loss(es) of its host: ${describeHistory(losses, restarts)}`,
      );
  }
  return problems;
}

function describeHistory(losses: readonly HostLoss[], restarts: readonly HaRestart[]): string {
  const at = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  return [
    ...losses.map((l) => `${l.cause} on ${l.hostId} at ${at(l.atMs)}`),
    ...restarts.map((r) => `${r.resumed ? "resumed" : "restarted"} on ${r.hostId} at ${at(r.atMs)}`),
  ].join(", ");
}

/** What the VOPR's report says of HA: losses, restarts, and the guests owed exactly one each. */
export interface HaSummary {
  hostLossCount: number;
  killedCount: number;
  fencedCount: number;
  guestLossCount: number;
  restartCount: number;
  /** Losses of guests the user still has (told created, not destroyed): one restart each. */
  ownedGuestLossCount: number;
  /**
   * With HA off or switched (vopr.ts `--ha off|toggle`): guests the user still has that run
   * nowhere at the end (lost with their host while HA was off, down until HA is enabled again),
   * and the user's switches. Absent in the default mode, whose report reads as it always did.
   */
  haOff?: {
    downAtEndCount: number;
    enabled: number;
    enableRefused: number;
    disabled: number;
    /** `host-declare-dead` of a killed host, answered (not refused). */
    declaredDead: number;
    /** `vm-reset-powerstate --force` of a guest lost while HA was off, told halted. */
    powerStateReset: number;
  };
}

export function summarizeHa(ledger: Ledger): HaSummary {
  const losses = ledger.ha.losses;
  const owned = (uuid: string) => ledger.byUuid(uuid)?.status === "created";
  return {
    hostLossCount: losses.filter((l) => l.cause !== "dropped").length,
    killedCount: losses.filter((l) => l.cause === "killed").length,
    fencedCount: losses.filter((l) => l.cause === "fenced").length,
    guestLossCount: losses.reduce((sum, l) => sum + l.guests.length, 0),
    restartCount: ledger.ha.restarts.length,
    ownedGuestLossCount: losses.reduce((sum, l) => sum + l.guests.filter((g) => owned(g.uuid)).length, 0),
  };
}

export function addHaSummaries(a: HaSummary, b: HaSummary): HaSummary {
  return {
    hostLossCount: a.hostLossCount + b.hostLossCount,
    killedCount: a.killedCount + b.killedCount,
    fencedCount: a.fencedCount + b.fencedCount,
    guestLossCount: a.guestLossCount + b.guestLossCount,
    restartCount: a.restartCount + b.restartCount,
    ownedGuestLossCount: a.ownedGuestLossCount + b.ownedGuestLossCount,
    ...(a.haOff && b.haOff
      ? {
          haOff: {
            downAtEndCount: a.haOff.downAtEndCount + b.haOff.downAtEndCount,
            enabled: a.haOff.enabled + b.haOff.enabled,
            enableRefused: a.haOff.enableRefused + b.haOff.enableRefused,
            disabled: a.haOff.disabled + b.haOff.disabled,
            declaredDead: a.haOff.declaredDead + b.haOff.declaredDead,
            powerStateReset: a.haOff.powerStateReset + b.haOff.powerStateReset,
          },
        }
      : {}),
  };
}

/** One line, every figure counted in the run; "exactly once" only after the checker held. */
export function formatHaSummary(summary: HaSummary): string {
  const s = summary;
  if (s.haOff)
    return (
      `HA: ${s.hostLossCount} host losses (${s.killedCount} killed, ${s.fencedCount} fenced) took ` +
      `${s.guestLossCount} protected guests; ${s.restartCount} restarts, none while HA was off; ` +
      `${s.haOff.downAtEndCount} guests the user still has down at the end (lost while HA was off); ` +
      `ha-enable ${s.haOff.enabled} on, ${s.haOff.enableRefused} refused; ha-disable ${s.haOff.disabled}; ` +
      `host-declare-dead ${s.haOff.declaredDead}; vm-reset-powerstate ${s.haOff.powerStateReset}`
    );
  return (
    `HA: ${s.hostLossCount} host losses (${s.killedCount} killed, ${s.fencedCount} fenced) took ` +
    `${s.guestLossCount} protected guests; ${s.restartCount} restarts; exactly one restart for each ` +
    `of the ${s.ownedGuestLossCount} losses of guests the user still has`
  );
}
