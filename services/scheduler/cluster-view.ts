import type { Heartbeat } from "../contracts/heartbeat.js";
import type { DomainEvent } from "../contracts/domain-event.js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { HostClaims, type PlacementClaim } from "./claims.js";
import { isProtocolName } from "../dom0/cluster-names.js";

/** Heartbeats a host may miss before the scheduler declares it down. */
export const MISSED_HEARTBEAT_COUNT_MAX_DEFAULT = 3;

export type HostLiveness = "up" | "down";

/**
 * How far before the earliest instant an up host may be declared down `expire` scans anyway: the
 * bound is a sum of floating-point ms, the check a difference, so they may round apart by far less.
 */
const EXPIRY_BOUND_MARGIN_MS = 1;

export interface HostEntry {
  hostId: string;
  address: string;
  /** The last heartbeat as the host sent it. */
  reported: Heartbeat;
  /** The same, less what the scheduler placed there that the host does not report yet. */
  heartbeat: Heartbeat;
  claims: HostClaims;
  lastSeenMs: number;
  /** "up" in a new entry only, "down" by ClusterView.expire only (upHosts keeps its list by them). */
  readonly liveness: HostLiveness;
  /** Known from the host's own List, refreshed on events: uuid → domain. */
  domains: Map<string, DomainInfo>;
  /** The host's domain list has been read since it (re)appeared. */
  synced: boolean;
  /** The epoch of its HA lease as its last List reported it (docs/specs/ha.md §5). */
  leaseEpoch?: string;
  /**
   * The heartbeat's listVersion when its last List (and the HA records it wrote) began: while the
   * heartbeats report the same, the view's domains are still what the host runs (reconcile.ts).
   */
  listedVersion?: number;
}

/**
 * The view's own HostEntry: its heartbeat is the report itself while it has no claims, the report
 * less its claims (HostClaims.apply) kept apart while it has: each heartbeat of a host without
 * claims (an idle host's, every second) is then stored in its entry once, not twice (a new young
 * object stored in the old entry costs a write barrier's remembered-set insertion).
 */
class ViewEntry implements HostEntry {
  reported: Heartbeat;
  /** `reported` less the claims, while there are any; undefined: `heartbeat` is `reported`. */
  private claimed: Heartbeat | undefined = undefined;
  liveness: HostLiveness = "up";
  lastSeenMs: number;
  address: string;
  readonly claims = new HostClaims();
  synced = false;
  declare leaseEpoch?: string;
  declare listedVersion?: number;

  constructor(
    readonly hostId: string,
    beat: Heartbeat,
    nowMs: number,
    public domains: Map<string, DomainInfo>,
  ) {
    this.reported = beat;
    this.lastSeenMs = nowMs;
    this.address = beat.address;
  }

  get heartbeat(): Heartbeat {
    return this.claimed ?? this.reported;
  }

  set heartbeat(beat: Heartbeat) {
    this.claimed = beat === this.reported ? undefined : beat;
  }
}

/**
 * Where a caller keeps the entry `onHeartbeat` found for one host, and the hosts' membershipVersion
 * it was found under: while that stands, the host's entry is the same (a new or replaced entry, a
 * host removed, all change it), so the next heartbeat of that host finds it without a lookup.
 */
export class HostEntrySlot {
  entry: HostEntry | undefined = undefined;
  membershipVersion = -1;
}

/**
 * The view's hosts by id, counting changes of membership (a host added, replaced or removed), so that their
 * sorted order is made again only when it changes: the reconcile asks for it every few seconds,
 * and sorting 1,000 ids by localeCompare each time was an idle cluster's largest scheduler cost.
 */
class HostMap extends Map<string, HostEntry> {
  membershipVersion = 0;

  override set(hostId: string, entry: HostEntry): this {
    if (this.get(hostId) !== entry) this.membershipVersion++; // a new host, or a new entry for one
    return super.set(hostId, entry);
  }

  override delete(hostId: string): boolean {
    const deleted = super.delete(hostId);
    if (deleted) this.membershipVersion++;
    return deleted;
  }

  override clear(): void {
    if (this.size > 0) this.membershipVersion++;
    super.clear();
  }
}

/**
 * The scheduler's picture of the cluster, made only from what hosts say: heartbeats (who is there,
 * how full) and domain events (what runs where). Nothing here is the only copy of anything: a new
 * scheduler rebuilds it from the next heartbeats and each host's List.
 */
export class ClusterView {
  readonly hosts: Map<string, HostEntry> = new HostMap();
  /** Every host in id order (localeCompare), as of the hosts' membershipVersion `sortedVersion`. */
  private sorted: readonly HostEntry[] = [];
  private sortedVersion = -1;
  /**
   * The hosts up, in id order, as of the hosts' membershipVersion `upVersion` and `upDownCount`
   * hosts declared down: a host comes up only as a new entry (membershipVersion moves) and goes
   * down only in expire (downCount moves). The reconcile walks them every few seconds.
   */
  private up: readonly HostEntry[] = [];
  private upVersion = -1;
  private upDownCount = -1;
  /** Hosts declared down by expire so far. */
  private downCount = 0;
  /**
   * No up host can be declared down before this instant (a lower bound, kept by the last full scan
   * and lowered by each heartbeat), while the hosts' membershipVersion is `expiryVersion`: the
   * scheduler checks every 250 ms, and scanning 1,000 hosts each time to find none was an idle
   * cluster's second largest scheduler cost.
   */
  private expiryNotBeforeMs = -Infinity;
  private expiryVersion = -1;

  constructor(readonly missedHeartbeatCountMax = MISSED_HEARTBEAT_COUNT_MAX_DEFAULT) {}

  /**
   * Returns "new" when the host appeared or came back (its domains need a sync). `slot`: where the
   * caller keeps this host's entry from its last heartbeat (HostEntrySlot), if it does.
   */
  onHeartbeat(beat: Heartbeat, nowMs: number, slot?: HostEntrySlot): "new" | "known" {
    const hosts = this.hosts as HostMap;
    const entry =
      slot !== undefined && slot.membershipVersion === hosts.membershipVersion
        ? slot.entry
        : hosts.get(beat.hostId);
    const seen = this.noteHeartbeat(beat, nowMs, entry);
    if (slot !== undefined) {
      slot.entry = seen === "new" ? hosts.get(beat.hostId) : entry;
      slot.membershipVersion = hosts.membershipVersion;
    }
    return seen;
  }

  private noteHeartbeat(beat: Heartbeat, nowMs: number, entry: HostEntry | undefined): "new" | "known" {
    if (!entry || entry.liveness === "down" || entry.reported.sequence > beat.sequence) {
      const domains = entry?.domains ?? new Map<string, DomainInfo>();
      this.hosts.set(beat.hostId, new ViewEntry(beat.hostId, beat, nowMs, domains));
      return "new";
    }
    // Without claims the heartbeat is the report itself (HostClaims.apply), and only `claim` adds
    // one, making it a copy: the same heartbeat then says there are none, with no look at them
    // (an idle host's heartbeat a second: three objects of its own less to read).
    const withoutClaims = entry.heartbeat === entry.reported;
    entry.reported = beat;
    if (withoutClaims) entry.heartbeat = beat;
    else {
      entry.claims.absorb(beat.sequence);
      entry.heartbeat = entry.claims.apply(beat);
    }
    entry.address = beat.address;
    entry.lastSeenMs = nowMs;
    this.expiryNotBeforeMs = Math.min(
      this.expiryNotBeforeMs,
      nowMs + entry.heartbeat.intervalMs * this.missedHeartbeatCountMax,
    );
    return "known";
  }

  /** Replaces a host's domain list with what its List RPC returned. */
  syncDomains(hostId: string, domains: readonly DomainInfo[], leaseEpoch?: string): void {
    const entry = this.hosts.get(hostId);
    if (!entry) return;
    // Built in a loop: no filtered and mapped copies of the list on the way (a sweep lists every host).
    const byUuid = new Map<string, DomainInfo>();
    for (const domain of domains) if (domain.domid !== 0) byUuid.set(domain.uuid, domain);
    entry.domains = byUuid;
    entry.synced = true;
    if (leaseEpoch === undefined) delete entry.leaseEpoch;
    else entry.leaseEpoch = leaseEpoch;
  }

  onDomainEvent(event: DomainEvent): void {
    const entry = this.hosts.get(event.hostId);
    if (!entry) return;
    if (event.event === "created") {
      entry.claims.hostHas(event.uuid, entry.reported.sequence);
      entry.heartbeat = entry.claims.apply(entry.reported);
    }
    if (event.event === "destroyed" || event.event === "migrated-out" || event.event === "fenced") {
      const known = entry.domains.get(event.uuid);
      if (known && known.domid === event.domid) entry.domains.delete(event.uuid);
      return;
    }
    const previous = entry.domains.get(event.uuid);
    entry.domains.set(event.uuid, {
      ...(previous ?? emptyDomain()),
      domid: event.domid,
      name: event.name,
      uuid: event.uuid,
      state: event.state,
      memoryKib: event.memoryKib,
      vcpusOnline: event.vcpus,
    });
  }

  /** Counts a domain being placed on a host against it until the host's heartbeats show it. */
  claim(hostId: string, memoryKib: number, vcpus: number, uuid?: string): PlacementClaim {
    const entry = this.hosts.get(hostId);
    if (!entry) throw new Error(`ClusterView.claim: no host ${hostId}`);
    const claim = entry.claims.add(memoryKib, vcpus, uuid);
    const update = () => (entry.heartbeat = entry.claims.apply(entry.reported));
    update();
    return {
      settle: () => entry.claims.settle(claim, entry.reported.sequence),
      release: () => {
        entry.claims.remove(claim);
        update();
      },
    };
  }

  /** Hosts declared down (no heartbeat), by id: what runs there is not known. */
  downHostIds(): string[] {
    return [...this.hosts.values()]
      .filter((h) => h.liveness === "down")
      .map((h) => h.hostId)
      .sort();
  }

  /** Hosts whose heartbeats stopped: declared down now (returned once, when it happens). */
  expire(nowMs: number): HostEntry[] {
    const hosts = this.hosts as HostMap;
    if (
      this.expiryVersion === hosts.membershipVersion &&
      nowMs < this.expiryNotBeforeMs - EXPIRY_BOUND_MARGIN_MS
    )
      return [];
    const down: HostEntry[] = [];
    let notBeforeMs = Infinity;
    for (const entry of hosts.values()) {
      if (entry.liveness === "down") continue;
      const silenceMaxMs = entry.heartbeat.intervalMs * this.missedHeartbeatCountMax;
      if (nowMs - entry.lastSeenMs > silenceMaxMs) {
        (entry as { liveness: HostLiveness }).liveness = "down";
        this.downCount++;
        down.push(entry);
      } else notBeforeMs = Math.min(notBeforeMs, entry.lastSeenMs + silenceMaxMs);
    }
    this.expiryNotBeforeMs = notBeforeMs;
    this.expiryVersion = hosts.membershipVersion;
    return down;
  }

  /** The hosts that are up, in id order (localeCompare): one list, kept until a host comes or goes. */
  upHosts(): readonly HostEntry[] {
    const hosts = this.hosts as HostMap;
    if (this.upVersion === hosts.membershipVersion && this.upDownCount === this.downCount) return this.up;
    if (this.sortedVersion !== hosts.membershipVersion) {
      this.sorted = [...hosts.values()].sort((a, b) => a.hostId.localeCompare(b.hostId));
      this.sortedVersion = hosts.membershipVersion;
    }
    this.up = this.sorted.filter((h) => h.liveness === "up");
    this.upVersion = hosts.membershipVersion;
    this.upDownCount = this.downCount;
    return this.up;
  }

  /** Where a domain runs, by name or uuid, among hosts that are up. */
  findDomain(ref: string): { host: HostEntry; domain: DomainInfo } | undefined {
    for (const host of this.upHosts()) {
      for (const domain of host.domains.values()) {
        if (domain.name === ref || domain.uuid === ref) return { host, domain };
      }
    }
    return undefined;
  }

  /**
   * Where guest `uuid` itself runs on an up host: a migration's stand-in with its uuid
   * (NAME--incoming, NAME--migratedaway) is not the guest, and is gone when the migration fails.
   */
  findGuest(uuid: string): { host: HostEntry; domain: DomainInfo } | undefined {
    for (const host of this.upHosts())
      for (const domain of host.domains.values())
        if (domain.uuid === uuid && !isProtocolName(domain.name)) return { host, domain };
    return undefined;
  }
}

function emptyDomain(): DomainInfo {
  return {
    domid: 0,
    name: "",
    uuid: "",
    type: "",
    state: "",
    memoryKib: 0,
    maxmemKib: 0,
    vcpusOnline: 0,
    maxvcpus: 0,
    cpuTimeNs: 0,
    weight: 0,
    cap: 0,
    shutdownReason: -1,
    configJson: "",
    workload: "",
    populatedPages: 0,
    cpupool: "",
  };
}
