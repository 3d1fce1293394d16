import type { BusHealth } from "../contracts/bus-health.js";

/**
 * An outage of the scheduler's own connection to the broker: still on (`backAtMs` undefined), or
 * ended at `backAtMs`. Instants are the scheduler's clock's; `lostAtWallMs` is the time of day to
 * show, when the wiring gives one.
 */
export interface BrokerOutage {
  brokerName: string;
  lostAtMs: number;
  lostAtWallMs: number | undefined;
  backAtMs: number | undefined;
}

/**
 * Follows whether the scheduler reaches the broker (BusHealth) and since when it does not. It is
 * read, never told: the expiry check samples it every EXPIRE_CHECK_INTERVAL_MS and every question
 * samples it again, so it adds no timer and no event (the simulation's order is unchanged); a
 * change is stamped when first seen, at most an expiry interval late.
 */
export class BrokerLink {
  private lost: { atMs: number; atWallMs: number | undefined } | undefined = undefined;
  private backAtMs: number | undefined = undefined;

  constructor(
    private readonly health: BusHealth | undefined,
    private readonly wallTimeMs: (() => number) | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** Whether the connection is down as last sampled. */
  get isDown(): boolean {
    return this.lost !== undefined && this.backAtMs === undefined;
  }

  /** Reads the connection now and notes (and logs) a change. */
  sample(nowMs: number): void {
    if (!this.health) return;
    const connected = this.health.isConnected();
    if (!connected && !this.isDown) {
      this.lost = { atMs: nowMs, atWallMs: this.wallTimeMs?.() };
      this.backAtMs = undefined;
      this.log(`${this.health.brokerName} is unreachable: hosts' heartbeats cannot arrive until it is back`);
    } else if (connected && this.isDown) {
      this.backAtMs = nowMs;
      const lostMs = nowMs - (this.lost?.atMs ?? nowMs);
      this.log(`${this.health.brokerName} is reachable again after ${(lostMs / 1000).toFixed(1)} s`);
    }
  }

  /**
   * The outage the words must name: one still on, or one that ended less than `graceMs()` ago
   * (hosts' first heartbeats since may not have come yet). `graceMs` is asked only then.
   */
  outage(nowMs: number, graceMs: () => number): BrokerOutage | undefined {
    this.sample(nowMs);
    if (!this.health || !this.lost) return undefined;
    if (this.backAtMs !== undefined && nowMs - this.backAtMs >= graceMs()) return undefined;
    return {
      brokerName: this.health.brokerName,
      lostAtMs: this.lost.atMs,
      lostAtWallMs: this.lost.atWallMs,
      backAtMs: this.backAtMs,
    };
  }
}
