/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function maximum(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.max(...values);
}

export function minimum(values: readonly number[]): number {
  return values.length === 0 ? NaN : Math.min(...values);
}

/** "a..b" of `values` formatted with `format`. */
export function range(values: readonly number[], format: (value: number) => string): string {
  return `${format(minimum(values))}..${format(maximum(values))}`;
}
