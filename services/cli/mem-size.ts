/**
 * xl's size arguments (tools/xl/xl_parse.c, parse_mem_size_kb): a decimal number with at most one
 * unit letter, b, k, m, g or t, in either case. A bare number is MiB, as in xl ("MemMB" in
 * xl_cmdtable.c's usage of mem-set and mem-max). Bytes round down to whole KiB.
 */
const KIB_PER_UNIT: Readonly<Record<string, number>> = {
  k: 1,
  "": 1024,
  m: 1024,
  g: 1024 ** 2,
  t: 1024 ** 3,
};
/** The largest size we accept, so the KiB figure stays an exact integer in a double. */
export const MEM_SIZE_KIB_MAX = Number.MAX_SAFE_INTEGER;

/** KiB for an xl size argument such as "512" (MiB), "128m", "1g", "4096k" or "1048576b". */
export function parseMemSizeKib(text: string, what = "memory size"): number {
  const match = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (!match) {
    throw new Error(
      `invalid ${what} "${text}": a number of MiB, or with a unit b, k, m, g or t (e.g. 512, 1g)`,
    );
  }
  const value = Number(match[1]);
  const unit = (match[2] ?? "").toLowerCase();
  const kib = unit === "b" ? Math.floor(value / 1024) : value * (KIB_PER_UNIT[unit] ?? 1024);
  if (!Number.isSafeInteger(kib) || kib > MEM_SIZE_KIB_MAX) throw new Error(`${what} "${text}" is too large`);
  return kib;
}
