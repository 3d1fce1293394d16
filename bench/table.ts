export interface Row {
  figure: string;
  value: string;
  goal?: string;
  /** Whether the goal is met; absent when the row has no goal. */
  met?: boolean;
  detail?: string;
}

const HEADER = ["figure", "value", "goal", "", "detail"] as const;

/** A compact fixed-width table: figure, value, goal, whether it is met, and details. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.figure,
    row.value,
    row.goal ?? "",
    row.met === undefined ? "" : row.met ? "met" : "MISSED",
    row.detail ?? "",
  ]);
  const all = [[...HEADER], ...cells];
  const widths = HEADER.map((_, column) => Math.max(...all.map((line) => line[column]?.length ?? 0)));
  const pad = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [pad([...HEADER]), pad(widths.map((width) => "-".repeat(width))), ...cells.map(pad)].join("\n");
}

export const formatRate = (perSecond: number): string => `${Math.round(perSecond).toLocaleString("en-US")}/s`;
/** Megabytes of 10^6 bytes, as the goals are written; /proc's "kB" are KiB. */
export const formatMb = (kib: number): string => `${((kib * 1024) / 1e6).toFixed(1)} MB`;
export const formatSeconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
