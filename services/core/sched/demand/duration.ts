const NS_BY_SUFFIX: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ns|us|ms|s)$/;

/** `500us`, `1ms`, `2.5s` as whole nanoseconds; undefined when the text is not a duration. */
export function parseDurationNs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * NS_BY_SUFFIX[match[2]!]!);
}

/** The shortest exact spelling of a whole number of nanoseconds, e.g. `1ms`, `500us`. */
export function formatDurationNs(durationNs: number): string {
  for (const suffix of ["s", "ms", "us"]) {
    const unitNs = NS_BY_SUFFIX[suffix]!;
    if (durationNs % unitNs === 0) return `${durationNs / unitNs}${suffix}`;
  }
  return `${durationNs}ns`;
}
