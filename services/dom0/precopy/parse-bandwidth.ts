import { KIB } from "../../core/units.js";
import { FixedBandwidthLimit, UNLIMITED_BANDWIDTH } from "./bandwidth.js";
import type { BandwidthLimit } from "./bandwidth.js";
import { DynamicRateLimit } from "./dynamic-rate-limit.js";
import { BandwidthParseError } from "./errors.js";

const DECIMAL_PREFIX: Readonly<Record<string, number>> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const BINARY_PREFIX: Readonly<Record<string, number>> = { K: KIB, M: KIB ** 2, G: KIB ** 3, T: KIB ** 4 };

/**
 * Units, with an optional "/s":
 * - bits, decimal: `b`, `Kb`/`kbit`, `Mb`/`Mbit`, `Gb`/`Gbit`, `Tbit` (xl vif `rate`: "Mb/s" are bits);
 * - bytes, decimal: `B`, `KB`, `MB`, `GB`, `TB` (xl vif `rate`, libxlu_vif.c: 10^3 steps);
 * - bytes, binary: `KiB`, `MiB`, `GiB`, `TiB`, and a bare `K`/`M`/`G`/`T` (QEMU `max-bandwidth` sizes);
 * - a bare number is bytes per second.
 */
const BANDWIDTH_RE = /^(\d+(?:\.\d+)?)\s*(?:([kKMGT]?)(bit|b)|([kKMGT]?)B|([KMGT])iB|([KMGT]))?(?:\/s)?$/;

export const BANDWIDTH_EXAMPLES = '"100Mbit/s", "125MB/s", "1G", "dynamic" or "unlimited"';

/** Parses a CLI bandwidth: a fixed rate, "dynamic" (Clark et al.'s rate limit) or "unlimited". */
export function parseBandwidth(text: string): BandwidthLimit {
  const trimmed = text.trim();
  if (trimmed === "unlimited") return UNLIMITED_BANDWIDTH;
  if (trimmed === "dynamic") return new DynamicRateLimit();
  return new FixedBandwidthLimit(parseBytesPerSecond(trimmed));
}

/** Parses a fixed rate to bytes per second. */
export function parseBytesPerSecond(text: string): number {
  const match = BANDWIDTH_RE.exec(text.trim());
  if (match === null) {
    throw new BandwidthParseError(`invalid bandwidth "${text}": expected e.g. ${BANDWIDTH_EXAMPLES}`);
  }
  const [, digits = "", bitPrefix, , bytePrefix, binaryPrefix, barePrefix] = match;
  const value = Number(digits);
  let bytesPerSecond: number;
  if (bitPrefix !== undefined) bytesPerSecond = (value * (DECIMAL_PREFIX[bitPrefix] ?? NaN)) / 8;
  else if (bytePrefix !== undefined) bytesPerSecond = value * (DECIMAL_PREFIX[bytePrefix] ?? NaN);
  else if (binaryPrefix !== undefined) bytesPerSecond = value * (BINARY_PREFIX[binaryPrefix] ?? NaN);
  else if (barePrefix !== undefined) bytesPerSecond = value * (BINARY_PREFIX[barePrefix] ?? NaN);
  else bytesPerSecond = value;
  if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
    throw new BandwidthParseError(`invalid bandwidth "${text}": the rate must be > 0`);
  }
  return bytesPerSecond;
}
