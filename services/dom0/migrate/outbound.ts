import type { Clock } from "../../core/clock.js";
import type { Toolstack, DomainRecord } from "../toolstack.js";
import { ToolstackError } from "../errors.js";
import { createPolicy } from "../precopy/create-policy.js";
import { parseBandwidth } from "../precopy/parse-bandwidth.js";
import { AutoConverge } from "../precopy/auto-converge.js";
import { FixedBandwidthLimit } from "../precopy/bandwidth.js";
import { StreamSender, type SenderProgress } from "./sender.js";
import { senderDomainOf } from "./domain-image.js";
import type { EngineScheduler } from "./stream-sink.js";
import { PULL_ATTACH_TIMEOUT_MS, type MigrationManager } from "./migration-manager.js";
import { completeStats, emptyStats, type MigrationStatsView } from "./stats.js";
import type { DestinationPeer, IncomingState } from "./peer.js";
import { PLAIN_WRAPPERS, type OutboundWrappers } from "./outbound-wrappers.js";
import { MigrationCancelledError } from "./outbound-cancel.js";

/** The source's copy's name while it is handed over (xl's NAME--migratedaway). */
export const MIGRATED_AWAY_SUFFIX = "--migratedaway";
/** How long a source that lost the channel after Go keeps asking the destination what happened. */
export const HANDOVER_QUERY_TIMEOUT_MS = 10_000;
export const HANDOVER_QUERY_INTERVAL_MS = 250;
/**
 * How often a source whose protected guest's handover is unknown asks again (the destination, and
 * the store whether its lease was revoked), and for how long at most before it reports `unknown`
 * and leaves the stand-in to the cluster's toolstack: longer than HA takes to revoke a lost
 * host's lease with the default timeout (T + margin + unseen for T, about 90 s).
 */
export const HANDOVER_SETTLE_INTERVAL_MS = 1000;
export const HANDOVER_SETTLE_WAIT_MS_MAX = 300_000;
/** Progress reports at most this often. */
export const PROGRESS_INTERVAL_MS = 100;
/** How long a source whose stream broke waits for the destination to say why (its Failed reason). */
export const DESTINATION_REASON_WAIT_MS = 1000;

export interface OutboundRequest {
  domain: string;
  destination: string;
  policy: string;
  live: boolean;
  bandwidth: string;
  downtimeLimitMs: number;
  autoConverge: boolean;
  pausedAtDestination: boolean;
  /** Also paused at the destination if paused here when the migration starts (MigrateRequest.keep_paused). */
  keepPaused?: boolean;
}

export interface OutboundContext {
  toolstack: Toolstack;
  manager: MigrationManager;
  clock: Clock;
  scheduler: EngineScheduler;
  selfAddress: string;
  newId(): string;
  newToken(): string;
  onProgress(stats: MigrationStatsView): void;
  /** The guest, link and peer of a migration of `domainName` (PLAIN_WRAPPERS unless faults are armed). */
  wrappersFor?(domainName: string): OutboundWrappers;
  /** Names the destination in a protected guest's HA record before any page moves (dom0/ha-migration-trace.ts). */
  haTrace?: MigrationHaTrace;
}

/** The source's HA trace of one migration (docs/specs/ha.md §5). */
export interface MigrationHaTrace {
  /** Before the stream: whether a trace was written; throws (UNAVAILABLE) when it cannot be. */
  begin(record: DomainRecord, destinationHostId: string): Promise<boolean>;
  /** After a migration that provably failed: the trace goes (best-effort). */
  end(record: DomainRecord, destinationHostId: string): void;
  /** After an unknown handover: what to do with the stand-in (dom0/ha-migration-trace.ts). */
  settleUnknown?(record: DomainRecord, destinationHostId: string): Promise<"wait" | "resume" | "destroy">;
}

/**
 * `xl migrate` on the source (libxl's migrate + xl_migrate.c's handshake): until the destination
 * confirms, the source owns the guest and any failure leaves it running here, memory untouched.
 */
export async function migrateOut(
  ctx: OutboundContext,
  request: OutboundRequest,
  peer: DestinationPeer,
): Promise<MigrationStatsView> {
  const { toolstack, manager, clock } = ctx;
  const startMs = clock.nowMs();
  const record = toolstack.requireDomain(request.domain);
  checkMigratable(ctx, record, request);
  const policy = createPolicy(
    request.policy || "xen",
    request.policy === "qemu" && request.downtimeLimitMs ? { downtimeLimitMs: request.downtimeLimitMs } : {},
  );
  const bandwidth = parseBandwidth(request.bandwidth || "unlimited");
  manager.claimOutbound(record.domid, record.name);
  const domain = toolstack.domainOf(record);
  const migrationId = ctx.newId();
  let stats = emptyStats(
    {
      migrationId,
      domain: record.name,
      source: toolstack.spec.hostId,
      destination: request.destination,
      policy: policy.name,
      live: request.live,
      // The figure a user asked for, not just the kind of limit ("fixed" alone says nothing).
      bandwidthLimit:
        bandwidth instanceof FixedBandwidthLimit ? `fixed ${request.bandwidth.trim()}` : bandwidth.name,
    },
    domain.memory.pageCount,
  );
  manager.track(stats);
  const wrappers = ctx.wrappersFor?.(record.name) ?? PLAIN_WRAPPERS;
  peer = wrappers.peer(peer);
  const wasPaused = domain.paused;
  const originalName = record.name;
  let traced = false;
  // A cancel (docs/specs/migration-protocol.md, "Cancel") is checked between the steps below; the
  // waits it can end (the pull's attach, the sender) it ends at once.
  const cancel = manager.openCancel(migrationId, record.name);
  let sender: StreamSender | undefined;
  cancel.onRequested = () => {
    // The wait for the destination's pull ends now; the sender at its next page record.
    manager.cancelPull(migrationId, "the migration was cancelled");
    sender?.cancel();
    stats = { ...stats, status: "cancelling" };
    manager.track(stats);
    ctx.onProgress(stats);
  };
  try {
    const pullToken = ctx.newToken();
    const pulled = manager.expectPull(migrationId, pullToken, PULL_ATTACH_TIMEOUT_MS, (ms, fn) =>
      clock.setTimer(ms, fn),
    );
    pulled.catch(() => undefined);
    let prepared;
    try {
      prepared = await peer.prepare({
        migrationId,
        sourceAddress: ctx.selfAddress,
        sourceHostId: toolstack.spec.hostId,
        pullToken,
        configJson: JSON.stringify(record.config),
        name: record.name,
        uuid: record.uuid,
        memoryKib: domain.memoryKib,
      });
    } catch (error) {
      manager.cancelPull(migrationId, "prepare failed");
      throw error;
    }
    cancel.check();
    stats = { ...stats, destination: prepared.destinationHostId };
    // The control channel ending before the destination attaches to pull (it was killed, or
    // restarted at the same address: the new process never pulls) ends the wait at once, in the
    // channel's words; before, the source waited PULL_ATTACH_TIMEOUT_MS and said "did not pull".
    let channelLost: unknown;
    peer.received().catch((lost: unknown) => {
      channelLost = lost;
      manager.cancelPull(migrationId, describe(lost));
    });
    // The destination is known now (its host id): named in the HA record before any page moves.
    try {
      traced = (await ctx.haTrace?.begin(record, prepared.destinationHostId)) === true;
    } catch (error) {
      manager.cancelPull(migrationId, "the source refused the migration");
      throw error;
    }
    cancel.check();
    let lastProgressMs = -Infinity;
    const onProgress = (progress: SenderProgress) => {
      const nowMs = clock.nowMs();
      if (nowMs - lastProgressMs < PROGRESS_INTERVAL_MS) return;
      lastProgressMs = nowMs;
      stats = {
        ...stats,
        status: cancel.isRequested ? "cancelling" : progress.phase,
        bytesTransferred: progress.bytesSent,
        bytesRemaining: progress.pageCountRemaining * 4096,
        totalTimeMs: nowMs - startMs,
        dirtySyncCount: progress.round,
        expectedDowntimeEstimateMs: progress.expectedDowntimeEstimateMs,
      };
      manager.track(stats);
      ctx.onProgress(stats);
    };
    let sink;
    try {
      sink = await pulled;
    } catch (error) {
      throw cancel.isRequested ? cancel.error() : (channelLost ?? error);
    }
    cancel.check();
    sender = new StreamSender(wrappers.domain(senderDomainOf(toolstack, record)), wrappers.sink(sink), {
      clock,
      scheduler: ctx.scheduler,
      policy,
      bandwidth,
      autoConverge: request.autoConverge ? new AutoConverge() : undefined,
      live: request.live,
      onProgress,
    });
    const running = sender.run();
    running.catch(() => undefined);
    let result;
    try {
      result = await Promise.race([running, peer.received().then(() => never<never>())]);
    } catch (error) {
      sender.cancel();
      await running.catch(() => undefined);
      if (cancel.isRequested) throw cancel.error();
      throw await destinationReason(ctx, peer, error);
    }
    const received = await peer.received();
    // The point of no return: a cancel requested until now is honoured, none after.
    cancel.closeForHandover();
    // The host's say again at the handover: its lease may have lapsed while the pages moved.
    toolstack.admitMigrateOut(record);
    // Ownership moves: the source's copy steps aside under a name of its own, as xl does.
    toolstack.renameForMigration(record, `${originalName}${MIGRATED_AWAY_SUFFIX}`);
    const handedOver = handOver(
      ctx,
      peer,
      prepared.incomingToken,
      request.pausedAtDestination || (request.keepPaused === true && wasPaused),
      migrationId,
    );
    const committed = traced
      ? await handedOver.catch((error: unknown) =>
          settleUnknownHandover(ctx, peer, record, prepared.destinationHostId, migrationId, error),
        )
      : await handedOver;
    if (!committed) {
      // The host's fence may have destroyed the paused stand-in while the outcome was unknown
      // (docs/specs/ha.md §4): nothing runs on here then, and HA restarts the guest.
      if (toolstack.records.get(record.domid) !== record)
        throw new ToolstackError(
          "ABORTED",
          "the destination did not take the guest over, and the paused copy left here was fenced meanwhile: HA restarts it",
        );
      toolstack.renameForMigration(record, originalName);
      throw new ToolstackError("ABORTED", "the destination did not take the guest over; it runs on here");
    }
    stats = completeStats(stats, result, {
      startMs,
      firstPageAtMs: result.firstPageAtMs,
      pausedAtMs: result.pausedAtMs,
      committedAtMs: clock.nowMs(),
    });
    stats = {
      ...stats,
      status: "completed",
      pagesVerified: received.pagesVerified,
      bytesReceived: received.bytesReceived,
    };
    manager.releaseOutbound(record.domid);
    toolstack.destroyMigratedAway(record, request.destination, originalName, prepared.destinationHostId);
    return stats;
  } catch (error) {
    if (error instanceof HandoverUnknownError) {
      stats = { ...stats, status: "unknown", error: error.message, totalTimeMs: clock.nowMs() - startMs };
      throw error;
    }
    rollBack(ctx, record, originalName, wasPaused, peer, error);
    if (traced) ctx.haTrace?.end(record, stats.destination);
    const status = error instanceof MigrationCancelledError ? "cancelled" : "failed";
    stats = { ...stats, status, error: describe(error), totalTimeMs: clock.nowMs() - startMs };
    throw error;
  } finally {
    manager.closeCancel(migrationId);
    manager.releaseOutbound(record.domid);
    manager.finish(stats);
    ctx.onProgress(stats);
  }
}

function checkMigratable(ctx: OutboundContext, record: DomainRecord, request: OutboundRequest): void {
  if (record.domid === 0) throw new ToolstackError("FAILED_PRECONDITION", "Domain-0 cannot be migrated");
  if (record.config.nomigrate)
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} has nomigrate set`);
  const domain = ctx.toolstack.domainOf(record);
  if (domain.isShutdown)
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is shut down`);
  if (!request.destination) throw new ToolstackError("INVALID_ARGUMENT", "migrate needs a destination host");
  if (request.destination === ctx.selfAddress)
    throw new ToolstackError("INVALID_ARGUMENT", "the destination is this host");
  ctx.toolstack.admitMigrateOut(record);
}

/**
 * Sends Go. A lost channel after Go is the one uncertain moment: ask the destination. Committed
 * there → it owns the guest. Anything else it says → it never will, the source resumes. No answer
 * at all → leave the guest paused here under --migratedaway: never two running copies.
 */
async function handOver(
  ctx: OutboundContext,
  peer: DestinationPeer,
  token: string,
  paused: boolean,
  migrationId: string,
): Promise<boolean> {
  try {
    await peer.go(token, paused);
    return true;
  } catch {
    const deadlineMs = ctx.clock.nowMs() + HANDOVER_QUERY_TIMEOUT_MS;
    while (ctx.clock.nowMs() < deadlineMs) {
      const state: IncomingState | undefined = await peer.incomingStatus(migrationId).catch(() => undefined);
      if (state === "committed") return true;
      if (state !== undefined && state !== "received") return false;
      await ctx.scheduler.sleepMs(HANDOVER_QUERY_INTERVAL_MS);
    }
    throw new HandoverUnknownError();
  }
}

/**
 * A protected guest's handover is unknown (docs/specs/ha.md §5): the source keeps asking the
 * destination, and the store whether the destination's lease was revoked. Committed → done. The
 * destination says it never will → the source resumes. Its lease revoked → the HA record decides:
 * still naming this host, the source resumes its stand-in and the migration fails; naming another
 * (HA restarts it there), the stand-in is destroyed. Neither within HANDOVER_SETTLE_WAIT_MS_MAX →
 * status unknown, as for an unprotected guest.
 */
async function settleUnknownHandover(
  ctx: OutboundContext,
  peer: DestinationPeer,
  record: DomainRecord,
  destinationHostId: string,
  migrationId: string,
  error: unknown,
): Promise<boolean> {
  const settle = ctx.haTrace?.settleUnknown?.bind(ctx.haTrace);
  if (!(error instanceof HandoverUnknownError) || !settle) throw error;
  const deadlineMs = ctx.clock.nowMs() + HANDOVER_SETTLE_WAIT_MS_MAX;
  while (ctx.clock.nowMs() < deadlineMs) {
    const state = await peer.incomingStatus(migrationId).catch(() => undefined);
    if (state === "committed") return true;
    if (state !== undefined && state !== "received") return false;
    const outcome = await settle(record, destinationHostId).catch(() => "wait" as const);
    if (outcome === "resume") throw new DestinationLostError(destinationHostId);
    if (outcome === "destroy") {
      // Fenced, not destroyed on purpose: its HA record and its name stay HA's, which restarts it.
      ctx.toolstack.fence(record);
      throw new ToolstackError(
        "ABORTED",
        `the destination ${destinationHostId} was declared lost (its HA lease revoked) and HA restarts the guest from there: the paused copy left here was destroyed`,
      );
    }
    await ctx.scheduler.sleepMs(HANDOVER_SETTLE_INTERVAL_MS);
  }
  throw error;
}

/** The destination of an unknown handover was declared lost and the HA record still names the source. */
export class DestinationLostError extends ToolstackError {
  constructor(destinationHostId: string) {
    super(
      "ABORTED",
      `lost the destination ${destinationHostId} after handing the guest over, and the cluster declared it lost (its HA lease revoked, so it fenced any copy): the guest resumes here`,
    );
  }
}

function rollBack(
  ctx: OutboundContext,
  record: DomainRecord,
  originalName: string,
  wasPaused: boolean,
  peer: DestinationPeer,
  error: unknown,
): void {
  peer.abort(describe(error));
  const { toolstack } = ctx;
  if (toolstack.records.get(record.domid) !== record) return;
  if (record.name !== originalName) toolstack.renameForMigration(record, originalName);
  const domain = toolstack.domainOf(record);
  domain.throttleFraction = 0;
  if (!wasPaused && domain.paused) toolstack.hypervisor.unpauseDomain(record.domid);
}

/** The destination vanished after Go: nobody knows whether it runs the guest. Nothing is undone. */
export class HandoverUnknownError extends ToolstackError {
  constructor() {
    super(
      "UNAVAILABLE",
      "lost the destination after handing the guest over and it does not answer: the guest is left paused here as --migratedaway (status unknown)",
    );
  }
}

/**
 * A destination that refuses the stream (a page fails its checksum, VERIFY mismatches) stops
 * pulling before its Failed reason arrives on the control channel: the sender sees only a closed
 * stream (UNAVAILABLE). Wait briefly for the reason, so the user learns what really went wrong.
 */
async function destinationReason(
  ctx: OutboundContext,
  peer: DestinationPeer,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof ToolstackError) || error.code !== "UNAVAILABLE") return error;
  const reason = await Promise.race([
    peer.received().then(
      () => undefined,
      (refusal: unknown) => refusal,
    ),
    ctx.scheduler.sleepMs(DESTINATION_REASON_WAIT_MS).then(() => undefined),
  ]);
  return reason ?? error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function never<T>(): Promise<T> {
  return new Promise(() => undefined);
}
