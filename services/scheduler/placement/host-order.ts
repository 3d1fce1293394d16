/**
 * The stable order of hosts (first-fit scans it, ties are listed in it): natural order, so h2 comes
 * before h10, then plain code-unit order so that every pair of distinct ids compares unequal.
 */
export function compareHostIds(a: string, b: string): number {
  const natural = naturalCompare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}

const CODE_0 = 48;
const CODE_9 = 57;

const isDigit = (code: number): boolean => code >= CODE_0 && code <= CODE_9;

/** Character by character, except that runs of digits compare by value (leading zeros ignored). */
function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const codeA = a.charCodeAt(i);
    const codeB = b.charCodeAt(j);
    if (!isDigit(codeA) || !isDigit(codeB)) {
      if (codeA !== codeB) return codeA - codeB;
      i++;
      j++;
      continue;
    }
    while (a.charCodeAt(i) === CODE_0) i++;
    while (b.charCodeAt(j) === CODE_0) j++;
    let endA = i;
    let endB = j;
    while (isDigit(a.charCodeAt(endA))) endA++;
    while (isDigit(b.charCodeAt(endB))) endB++;
    if (endA - i !== endB - j) return endA - i - (endB - j);
    for (; i < endA; i++, j++) {
      const difference = a.charCodeAt(i) - b.charCodeAt(j);
      if (difference !== 0) return difference;
    }
  }
  return a.length - i - (b.length - j);
}
