/**
 * `NAME{A..B}` in a scenario: one line for many hosts, domains or targets (`host h{1..100}`,
 * `domain vm{001..500}`, `at 0s create vm{1..500}`), as the shell's brace expansion writes a range
 * of numbers, zero-padded to the width of a bound written with a leading zero.
 */

/** Names one range may make: a typo such as {1..10000000} is an error, not a hang. */
export const SCENARIO_RANGE_COUNT_MAX = 100_000;

const RANGE = /^([^{}]*)\{(\d+)\.\.(\d+)\}([^{}]*)$/;

/**
 * The names `word` stands for: itself when it holds no range; in ascending order otherwise. Throws
 * (a message without the place; the caller adds file:line) on a descending, oversized or malformed
 * range.
 */
export function expandRange(word: string): string[] {
  if (!word.includes("{") && !word.includes("}")) return [word];
  const match = RANGE.exec(word);
  if (!match) throw new Error(`"${word}": a range is NAME{FIRST..LAST} with whole numbers, once per word`);
  const [, prefix, firstText, lastText, suffix] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const first = Number(firstText);
  const last = Number(lastText);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first > last)
    throw new Error(`"${word}": the range must go up (${firstText} > ${lastText})`);
  const count = last - first + 1;
  if (count > SCENARIO_RANGE_COUNT_MAX)
    throw new Error(`"${word}": ${count} names, more than ${SCENARIO_RANGE_COUNT_MAX} in one range`);
  const padded = /^0\d/.test(firstText) || /^0\d/.test(lastText);
  const width = padded ? Math.max(firstText.length, lastText.length) : 0;
  const names: string[] = [];
  for (let n = first; n <= last; n++) names.push(`${prefix}${String(n).padStart(width, "0")}${suffix}`);
  return names;
}
