export interface Row {
  figure: string;
  value: string;
  goal?: string;
  /** Whether the goal is met; absent when the row has no goal. */
  met?: boolean;
}

/** A compact fixed-width table: figure, value, goal and whether it is met. */
export function formatTable(rows: Row[]): string {
  const header: [string, string, string, string] = ["figure", "value", "goal", ""];
  const cells = rows.map((row): [string, string, string, string] => [
    row.figure,
    row.value,
    row.goal ?? "",
    row.met === undefined ? "" : row.met ? "met" : "MISSED",
  ]);
  const all = [header, ...cells];
  const widths = header.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const pad = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd();
  return [pad(header), pad(widths.map((width) => "-".repeat(width))), ...cells.map(pad)].join("\n");
}

export const formatRate = (perSecond: number): string => `${Math.round(perSecond).toLocaleString("en-US")}/s`;
export const formatMib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
