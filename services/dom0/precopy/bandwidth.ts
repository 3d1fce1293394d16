import { assert } from "../../core/errors.js";
import type { PrecopyStats } from "./policy.js";

/** Which kind of round a limit is asked for: the guest runs during "live" rounds only. */
export type RoundPhase = "live" | "stop-and-copy";

/**
 * A migration bandwidth limit, asked once at the start of each round. Pure: the answer depends only
 * on the arguments. `stats` holds the rounds completed before `round` (round 1 = the full copy).
 */
export interface BandwidthLimit {
  readonly name: string;
  /** Infinity = unlimited. */
  limitBytesPerSecond(round: number, stats: PrecopyStats, phase?: RoundPhase): number;
}

export const BITS_PER_BYTE = 8;
/** Network rates use decimal prefixes: 1 Mbit/s = 10^6 bit/s (as xl's vif `rate` and Xen's 2005 print_stats). */
export const BITS_PER_MBIT = 1_000_000;

export function mbitPerSecondToBytesPerSecond(mbitPerSecond: number): number {
  return (mbitPerSecond * BITS_PER_MBIT) / BITS_PER_BYTE;
}

export function bytesPerSecondToMbitPerSecond(bytesPerSecond: number): number {
  return (bytesPerSecond * BITS_PER_BYTE) / BITS_PER_MBIT;
}

export function assertRoundNumber(round: number): void {
  assert(Number.isInteger(round) && round >= 1, `round ${round} is not a whole number >= 1`);
}

export const UNLIMITED_BANDWIDTH: BandwidthLimit = Object.freeze({
  name: "unlimited",
  limitBytesPerSecond(round: number): number {
    assertRoundNumber(round);
    return Infinity;
  },
});

/** The same cap for every round, as QEMU's `max-bandwidth`. */
export class FixedBandwidthLimit implements BandwidthLimit {
  readonly name = "fixed";

  constructor(readonly bytesPerSecond: number) {
    assert(bytesPerSecond > 0, `fixed bandwidth ${bytesPerSecond} B/s is not > 0`);
  }

  limitBytesPerSecond(round: number, _stats?: PrecopyStats, _phase?: RoundPhase): number {
    assertRoundNumber(round);
    return this.bytesPerSecond;
  }
}
