import { GIB, KIB, MIB } from "../units.js";

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)([KMG])?(?:i?B)?$/i;
const SIZE_UNIT_BYTES: Record<string, number> = { K: KIB, M: MIB, G: GIB };
const SIZE_SUFFIXES_LARGEST_FIRST: readonly [string, number][] = [
  ["G", GIB],
  ["M", MIB],
  ["K", KIB],
];

/**
 * A byte count from text like `4096`, `64K`, `64M`, `1.5G` or `64MiB` (binary multiples);
 * undefined when the text is not a whole number of bytes.
 */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text);
  if (match === null) return undefined;
  const unit = match[2]?.toUpperCase();
  const byteCount = Number(match[1]) * (unit === undefined ? 1 : SIZE_UNIT_BYTES[unit]!);
  return Number.isSafeInteger(byteCount) ? byteCount : undefined;
}

/** The shortest exact text for `byteCount`: `64M` rather than `67108864`. */
export function formatByteSize(byteCount: number): string {
  for (const [suffix, unitBytes] of SIZE_SUFFIXES_LARGEST_FIRST) {
    if (byteCount > 0 && byteCount % unitBytes === 0) return `${byteCount / unitBytes}${suffix}`;
  }
  return String(byteCount);
}
