import { KIB } from "../../core/units.js";

/** KiB as MiB the way xl prints memory: whole MiB plain, fractions to at most two decimals. */
export function formatMib(memoryKib: number): string {
  const memoryMib = memoryKib / KIB;
  return Number.isInteger(memoryMib) ? String(memoryMib) : String(Number(memoryMib.toFixed(2)));
}

/** An allocation ratio as Nova writes it: 4.0, 1.5. */
export function formatRatio(ratio: number): string {
  return Number.isInteger(ratio) ? ratio.toFixed(1) : String(ratio);
}

/** Up to `countMax` items, then how many more. */
export function formatList(items: readonly string[], countMax: number): string {
  const shown = items.slice(0, countMax).join(", ");
  return items.length > countMax ? `${shown} and ${items.length - countMax} more` : shown;
}
