/**
 * C's printf for the conversions xl and xentop print with — %s, %c, %d, %u (also %llu), %N.Pf, with a
 * width and the "-" (left-justify) flag — so tests check our lines against the C format strings
 * copied from tools/xl and tools/xentop. PRIu32 is written out as "u".
 */
export function cPrintf(format: string, ...args: Array<string | number>): string {
  let next = 0;
  return format.replace(
    /%(-?)(\d*)(?:\.(\d+))?(ll)?([scduf])/g,
    (_, left: string, width: string, precision: string | undefined, __, conv: string) => {
      const arg = args[next++];
      if (arg === undefined) throw new Error(`printf "${format}": too few arguments`);
      const text = conv === "f" ? Number(arg).toFixed(Number(precision ?? 6)) : String(arg);
      return left === "-" ? text.padEnd(Number(width || 0)) : text.padStart(Number(width || 0));
    },
  );
}
