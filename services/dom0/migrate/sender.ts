import type { Clock } from "../../core/clock.js";
import type { GuestMemory } from "../../core/memory/guest-memory.js";
import { PAGE_SIZE_BYTES } from "../../core/units.js";
import { encodeImageHeader } from "../stream/image-header.js";
import { encodeEnd, encodeJsonRecord, encodeRoundEnd, type JsonObject } from "../stream/record-encode.js";
import { RecordType } from "../stream/format.js";
import { encodeVerify } from "../stream/verify.js";
import { ZERO_PAGE_CHECKSUM } from "../stream/page-checksum.js";
import { buildPrecopyStats, type PrecopyPolicy, type PrecopyRound } from "../precopy/policy.js";
import type { BandwidthLimit } from "../precopy/bandwidth.js";
import type { AutoConverge } from "../precopy/auto-converge.js";
import { Pacer } from "../precopy/pacer.js";
import { ToolstackError } from "../errors.js";
import type { EngineScheduler, StreamSink } from "./stream-sink.js";
import { WriterPool } from "./writer-pool.js";
import { RECORD_HEADROOM_BYTE_COUNT } from "../stream/page-batch-writer.js";
import { roundReport, type RoundReport } from "./round-log.js";

/** Pages per PAGE_DATA record on the wire: 64 pages = 256 KiB, the best gRPC message size here. */
export const PAGE_COUNT_PER_RECORD_DEFAULT = 64;
/** Records sent between two turns given to the rest of the host (guest ticks, RPCs). */
export const RECORD_COUNT_PER_YIELD = 8;
/** Live rounds the engine will run whatever a policy says (a policy that never stops is a bug). */
export const ROUND_COUNT_MAX = 10_000;

export interface SenderDomain {
  memory: GuestMemory;
  /** Suspend the guest for stop-and-copy (or at the start of a non-live migration). */
  pause(): void;
  /** Auto-converge: hold back this fraction of the guest's dirtying. */
  setThrottle(fraction: number): void;
  domainInfo(): JsonObject;
  vcpuContext(): JsonObject;
  xenstoreData(): Record<string, string>;
  deviceInfo(): JsonObject;
}

export interface SenderOptions {
  clock: Clock;
  scheduler: EngineScheduler;
  policy: PrecopyPolicy;
  bandwidth: BandwidthLimit;
  autoConverge: AutoConverge | undefined;
  live: boolean;
  pageCountPerRecord?: number;
  /** Called after each record; the caller rate-limits what it reports. */
  onProgress?: (progress: SenderProgress) => void;
}

export interface SenderProgress {
  phase: "active" | "stop-and-copy";
  round: number;
  bytesSent: number;
  pageCountRemaining: number;
  pageCountTotal: number;
  bandwidthBytesPerSecond: number;
  /**
   * QEMU's expected-downtime, an estimate (docs/specs/migration-statistics.md): the pages dirty at
   * the last dirty-bitmap read x 4096 / the rate of the round that ended there; 0 before the first.
   */
  expectedDowntimeEstimateMs: number;
}

/** The estimate of the downtime (never a measurement): `pageCount` pages at a live round's rate. */
export function expectedDowntimeEstimateMs(
  pageCount: number,
  round: { bytesSent: number; durationMs: number } | undefined,
): number {
  if (!round || round.durationMs <= 0 || round.bytesSent <= 0) return 0;
  return (pageCount * PAGE_SIZE_BYTES * round.durationMs) / round.bytesSent;
}

export interface SenderResult {
  rounds: RoundReport[];
  stopReason: string;
  bytesSent: number;
  precopyBytes: number;
  downtimeBytes: number;
  pageCountNormal: number;
  pageCountZero: number;
  /**
   * Clock times (docs/specs/migration-statistics.md): the first PAGE_DATA record handed to the
   * link, the guest paused (stop-and-copy when live, before the first page when not), and the END
   * record handed on.
   */
  firstPageAtMs: number;
  pausedAtMs: number;
  streamEndMs: number;
  /** An estimate, not a measurement: final dirty pages x 4096 / the last live round's rate. */
  expectedDowntimeEstimateMs: number;
  dirtyPagesRate: number;
  throttleFraction: number;
}

/**
 * The save side of a migration (≈ tools/libs/guest/xg_sr_save.c): log-dirty on, round 1 sends every
 * page, each later round the pages dirtied meanwhile, until the policy says stop-and-copy; then the
 * guest is paused, the last dirty pages, the vCPU, xenstore and device records, VERIFY and END go.
 */
export class StreamSender {
  private readonly pageCountPerRecord: number;
  private readonly checksums: BigUint64Array;
  private readonly pool: WriterPool;
  private readonly pacer: Pacer;
  private bytesSent = 0;
  private pageCountNormal = 0;
  private pageCountZero = 0;
  private firstPageAtMs = NaN;
  private pausedAtMs = NaN;
  private readonly rounds: RoundReport[] = [];
  private throttleFraction = 0;
  private expectedDowntimeEstimateMs = 0;
  private cancelled = false;

  constructor(
    private readonly domain: SenderDomain,
    private readonly sink: StreamSink,
    private readonly options: SenderOptions,
  ) {
    this.pageCountPerRecord = options.pageCountPerRecord ?? PAGE_COUNT_PER_RECORD_DEFAULT;
    this.checksums = new BigUint64Array(domain.memory.pageCount);
    this.pool = new WriterPool(this.pageCountPerRecord, (pfn, checksum) => (this.checksums[pfn] = checksum));
    this.pacer = new Pacer(options.clock);
  }

  /** Stops the sender at its next step: it sends nothing more and never pauses the guest after this. */
  cancel(): void {
    this.cancelled = true;
  }

  private checkCancelled(): void {
    if (this.cancelled) throw new ToolstackError("ABORTED", "migration cancelled");
  }

  async run(): Promise<SenderResult> {
    const clock = this.options.clock;
    const startMs = clock.nowMs();
    const memory = this.domain.memory;
    await this.writeWhole(encodeImageHeader());
    await this.writeWhole(encodeJsonRecord(RecordType.DOMAIN_INFO, this.domain.domainInfo()));
    if (this.options.live) memory.enableLogDirty();
    else this.pause();
    try {
      return await this.runRounds(startMs);
    } finally {
      memory.disableLogDirty();
      this.domain.setThrottle(0);
      this.pool.dispose(); // the record buffers go to the next migration (RecordBuffers)
    }
  }

  private pause(): void {
    this.pausedAtMs = this.options.clock.nowMs();
    this.domain.pause();
  }

  private async runRounds(startMs: number): Promise<SenderResult> {
    const clock = this.options.clock;
    const memory = this.domain.memory;
    let pfns: ArrayLike<number> = allPfns(memory.pageCount);
    let stopReason = this.options.live ? "" : "non-live: guest paused before the copy";
    for (let round = 1; this.options.live; round++) {
      if (round > ROUND_COUNT_MAX)
        throw new Error(`pre-copy ran ${ROUND_COUNT_MAX} rounds: the policy never stopped`);
      const roundStartMs = clock.nowMs();
      if (round === 1) this.firstPageAtMs = roundStartMs;
      const bytesBefore = this.bytesSent;
      await this.sendPages(pfns, round, "live");
      const dirty = memory.cleanDirty();
      const live: PrecopyRound = {
        round,
        pageCountSent: pfns.length,
        pageCountDirtiedDuring: dirty.length,
        durationMs: clock.nowMs() - roundStartMs,
        bytesSent: this.bytesSent - bytesBefore,
      };
      this.rounds.push(roundReport(live, false, this.throttleFraction));
      this.expectedDowntimeEstimateMs = expectedDowntimeEstimateMs(dirty.length, live);
      await this.writeWhole(
        encodeRoundEnd({ round, final: false, pageCountSent: pfns.length, pageCountDirty: dirty.length }),
      );
      const stats = buildPrecopyStats({
        pageCountTotal: memory.pageCount,
        pageCountDirty: dirty.length,
        rounds: this.rounds,
      });
      const decision = this.options.policy.decide(stats);
      if (decision.action === "abort")
        throw new ToolstackError(
          "ABORTED",
          `pre-copy policy ${this.options.policy.name} aborted: ${decision.reason}`,
        );
      this.applyAutoConverge(live);
      pfns = dirty;
      if (decision.action === "stop-and-copy") {
        stopReason = decision.reason;
        break;
      }
    }
    return this.stopAndCopy(pfns, startMs, stopReason);
  }

  private applyAutoConverge(round: PrecopyRound): void {
    if (!this.options.autoConverge) return;
    this.throttleFraction = this.options.autoConverge.observe(round);
    this.domain.setThrottle(this.throttleFraction);
  }

  private async stopAndCopy(
    pendingPfns: ArrayLike<number>,
    startMs: number,
    stopReason: string,
  ): Promise<SenderResult> {
    const clock = this.options.clock;
    const memory = this.domain.memory;
    // Drain what the live rounds queued while the guest still runs: the guest's downtime then
    // covers the last dirty pages only, not records of earlier rounds still waiting in the sink.
    if (this.options.live) await this.sink.flush();
    this.checkCancelled();
    if (this.options.live) this.pause();
    const pausedAtMs = this.pausedAtMs;
    const finalPfns = this.options.live ? mergeSorted(pendingPfns, memory.cleanDirty()) : pendingPfns;
    // The final set is known now: the estimate takes it, at the last live round's rate.
    this.expectedDowntimeEstimateMs = expectedDowntimeEstimateMs(finalPfns.length, this.rounds.at(-1));
    const precopyBytes = this.bytesSent;
    const round = this.rounds.length + 1;
    await this.sendPages(finalPfns, round, "stop-and-copy");
    this.checkCancelled();
    await this.writeWhole(
      encodeRoundEnd({ round, final: true, pageCountSent: finalPfns.length, pageCountDirty: 0 }),
    );
    await this.writeWhole(encodeJsonRecord(RecordType.VCPU_CONTEXT, this.domain.vcpuContext()));
    await this.writeWhole(encodeJsonRecord(RecordType.XENSTORE_DATA, this.domain.xenstoreData()));
    await this.writeWhole(encodeJsonRecord(RecordType.DEVICE_INFO, this.domain.deviceInfo()));
    await this.writeWhole(encodeVerify(this.checksums, memory.pageCount, { includeTable: true }));
    await this.writeWhole(encodeEnd());
    await this.sink.flush();
    this.sink.close();
    const streamEndMs = clock.nowMs();
    const downtimeBytes = this.bytesSent - precopyBytes;
    this.rounds.push(
      roundReport(
        {
          round,
          pageCountSent: finalPfns.length,
          pageCountDirtiedDuring: 0,
          durationMs: streamEndMs - pausedAtMs,
          bytesSent: downtimeBytes,
        },
        true,
        this.throttleFraction,
      ),
    );
    const totalMs = streamEndMs - startMs;
    const dirtied = this.rounds.reduce((sum, r) => sum + r.pageCountDirtiedDuring, 0);
    return {
      rounds: this.rounds,
      stopReason,
      bytesSent: this.bytesSent,
      precopyBytes,
      downtimeBytes,
      pageCountNormal: this.pageCountNormal,
      pageCountZero: this.pageCountZero,
      firstPageAtMs: this.firstPageAtMs,
      pausedAtMs,
      streamEndMs,
      expectedDowntimeEstimateMs: this.expectedDowntimeEstimateMs,
      dirtyPagesRate: totalMs > 0 ? (dirtied * 1000) / totalMs : 0,
      throttleFraction: this.throttleFraction,
    };
  }

  /** Sends `pfns` in PAGE_DATA records, paced to the bandwidth limit, yielding between records. */
  private async sendPages(
    pfns: ArrayLike<number>,
    round: number,
    phase: "live" | "stop-and-copy",
  ): Promise<void> {
    const memory = this.domain.memory;
    const stats = buildPrecopyStats({
      pageCountTotal: memory.pageCount,
      pageCountDirty: pfns.length,
      rounds: this.rounds.filter((r) => !r.stopAndCopy),
    });
    const limit = this.options.bandwidth.limitBytesPerSecond(round, stats, phase);
    // Setup ends, and the first round begins, as the first page is about to go.
    if (Number.isNaN(this.firstPageAtMs)) this.firstPageAtMs = this.options.clock.nowMs();
    let recordCount = 0;
    for (let index = 0; index < pfns.length;) {
      this.checkCancelled();
      const writer = await this.pool.acquire();
      writer.begin();
      for (; index < pfns.length && !writer.isFull; index++) {
        const pfn = pfns[index]!;
        if (pfn >= memory.pageCount) continue;
        if (memory.isPopulated(pfn)) writer.addPage(pfn, memory.readPage(pfn));
        else {
          writer.addZeroPage(pfn);
          this.checksums[pfn] = ZERO_PAGE_CHECKSUM;
        }
      }
      this.pageCountNormal += writer.pageCountNormal;
      this.pageCountZero += writer.pageCountZero;
      const record = writer.finish();
      const delayMs = limit === Infinity ? 0 : this.pacer.delayMsFor(record.length, limit);
      if (delayMs > 0) await this.options.scheduler.sleepMs(delayMs);
      this.bytesSent += record.length;
      await this.sink.write(record, () => this.pool.release(writer), RECORD_HEADROOM_BYTE_COUNT);
      this.options.onProgress?.({
        phase: phase === "live" ? "active" : "stop-and-copy",
        round,
        bytesSent: this.bytesSent,
        pageCountRemaining: pfns.length - index,
        pageCountTotal: memory.pageCount,
        bandwidthBytesPerSecond: limit,
        expectedDowntimeEstimateMs: this.expectedDowntimeEstimateMs,
      });
      if (++recordCount % RECORD_COUNT_PER_YIELD === 0) await this.options.scheduler.yield();
    }
  }

  private async writeWhole(record: Buffer): Promise<void> {
    this.checkCancelled();
    this.bytesSent += record.length;
    await this.sink.write(record, () => undefined);
  }
}

function allPfns(pageCount: number): Uint32Array {
  const pfns = new Uint32Array(pageCount);
  for (let pfn = 0; pfn < pageCount; pfn++) pfns[pfn] = pfn;
  return pfns;
}

/** The union of two ascending pfn lists, ascending, without duplicates. */
export function mergeSorted(a: ArrayLike<number>, b: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    const next = Math.min(x, y);
    if (x === next) i++;
    if (y === next) j++;
    out[n++] = next;
  }
  return out.subarray(0, n);
}
