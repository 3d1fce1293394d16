import { ToolstackError } from "../errors.js";
import type { StreamSink } from "./stream-sink.js";
import type { MigrationStatsView } from "./stats.js";
import { OutboundCancel, type OutboundKind } from "./outbound-cancel.js";

/** Outbound migrations one host runs at once (KubeVirt's parallelOutboundMigrationsPerNode). */
export const OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT = 2;
/** Inbound migrations one host accepts at once. */
export const INBOUND_MIGRATION_COUNT_MAX_DEFAULT = 4;
/** How long the source waits for the destination to start pulling the stream. */
export const PULL_ATTACH_TIMEOUT_MS = 15_000;
/** Finished migrations kept for `ListMigrations`. */
export const FINISHED_MIGRATION_COUNT_KEPT = 64;

interface PendingPull {
  token: string;
  resolve: (sink: StreamSink) => void;
  reject: (error: Error) => void;
}

/**
 * A host's book of migrations: which domains are moving (so a second migration of one is refused),
 * the per-host limits, the one-time pull tokens, and the statistics of recent migrations.
 */
export class MigrationManager {
  private readonly busyDomids = new Set<number>();
  private readonly pendingPulls = new Map<string, PendingPull>();
  private readonly active = new Map<string, MigrationStatsView>();
  private readonly finished: MigrationStatsView[] = [];
  /** The cancels of the outbound migrations under way, by migration id. */
  private readonly cancels = new Map<string, OutboundCancel>();
  inboundCount = 0;

  constructor(
    readonly outboundCountMax = OUTBOUND_MIGRATION_COUNT_MAX_DEFAULT,
    readonly inboundCountMax = INBOUND_MIGRATION_COUNT_MAX_DEFAULT,
  ) {}

  get outboundCount(): number {
    return this.busyDomids.size;
  }

  isMigrating(domid: number): boolean {
    return this.busyDomids.has(domid);
  }

  /** Claims a domain for an outbound migration, or refuses with the reason. */
  claimOutbound(domid: number, name: string): void {
    if (this.busyDomids.has(domid)) {
      throw new ToolstackError("FAILED_PRECONDITION", `domain ${name} is already being migrated`);
    }
    if (this.busyDomids.size >= this.outboundCountMax) {
      throw new ToolstackError(
        "RESOURCE_EXHAUSTED",
        `this host already runs ${this.busyDomids.size} outbound migrations (limit ${this.outboundCountMax})`,
      );
    }
    this.busyDomids.add(domid);
  }

  releaseOutbound(domid: number): void {
    this.busyDomids.delete(domid);
  }

  claimInbound(): void {
    if (this.inboundCount >= this.inboundCountMax) {
      throw new ToolstackError(
        "RESOURCE_EXHAUSTED",
        `this host already receives ${this.inboundCount} migrations (limit ${this.inboundCountMax})`,
      );
    }
    this.inboundCount++;
  }

  releaseInbound(): void {
    this.inboundCount = Math.max(0, this.inboundCount - 1);
  }

  /** The source registers a migration's pull token and waits until the destination attaches. */
  expectPull(
    migrationId: string,
    token: string,
    timeoutMs: number,
    setTimer: (ms: number, fn: () => void) => () => void,
  ): Promise<StreamSink> {
    return new Promise((resolve, reject) => {
      const cancel = setTimer(timeoutMs, () => {
        this.pendingPulls.delete(migrationId);
        reject(
          new ToolstackError("UNAVAILABLE", `the destination did not pull the stream within ${timeoutMs} ms`),
        );
      });
      this.pendingPulls.set(migrationId, {
        token,
        resolve: (sink) => (cancel(), resolve(sink)),
        reject: (error) => (cancel(), reject(error)),
      });
    });
  }

  /** A destination attaches to pull: only with the right one-time token, and only once. */
  attachPull(migrationId: string, token: string, sink: StreamSink): void {
    const pending = this.pendingPulls.get(migrationId);
    if (!pending || pending.token !== token) {
      throw new ToolstackError("PERMISSION_DENIED", `no migration ${migrationId} is waiting for that token`);
    }
    this.pendingPulls.delete(migrationId);
    pending.resolve(sink);
  }

  cancelPull(migrationId: string, reason: string): void {
    const pending = this.pendingPulls.get(migrationId);
    if (!pending) return;
    this.pendingPulls.delete(migrationId);
    pending.reject(new ToolstackError("ABORTED", reason));
  }

  /** An outbound migration's cancel, open until `closeCancel`. */
  openCancel(migrationId: string, domain: string, kind: OutboundKind = "migration"): OutboundCancel {
    const cancel = new OutboundCancel(migrationId, domain, kind);
    this.cancels.set(migrationId, cancel);
    return cancel;
  }

  closeCancel(migrationId: string): void {
    this.cancels.delete(migrationId);
  }

  /**
   * Cancels the outbound migration of `domain` (its name when the migration began, or the
   * migration's id): NOT_FOUND when this host sends no such migration, FAILED_PRECONDITION once
   * its handover began. Returns the migration's statistics as they stand.
   */
  cancelOutbound(domain: string, reason: string): MigrationStatsView {
    const cancel = [...this.cancels.values()].find((c) => c.domain === domain || c.migrationId === domain);
    if (!cancel)
      throw new ToolstackError(
        "NOT_FOUND",
        `this host sends no migration of ${domain} (xsim migrations lists those under way)`,
      );
    cancel.request(reason);
    const stats = this.active.get(cancel.migrationId);
    if (!stats) throw new ToolstackError("NOT_FOUND", `no statistics for migration ${cancel.migrationId}`);
    return stats;
  }

  track(stats: MigrationStatsView): void {
    this.active.set(stats.migrationId, stats);
  }

  finish(stats: MigrationStatsView): void {
    this.active.delete(stats.migrationId);
    this.finished.push(stats);
    if (this.finished.length > FINISHED_MIGRATION_COUNT_KEPT) this.finished.shift();
  }

  list(): MigrationStatsView[] {
    return [...this.active.values(), ...this.finished];
  }
}
