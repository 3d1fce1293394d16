/**
 * The stable order of hosts (first-fit scans it, ties are listed in it): natural order, so h2 comes
 * before h10, then plain code-unit order so that every pair of distinct ids compares unequal.
 */
export function compareHostIds(a: string, b: string): number {
  const natural = naturalCompare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}

const DIGITS = /(\d+)/;

function naturalCompare(a: string, b: string): number {
  const partsA = a.split(DIGITS);
  const partsB = b.split(DIGITS);
  const count = Math.min(partsA.length, partsB.length);
  for (let i = 0; i < count; i++) {
    const partA = partsA[i] ?? "";
    const partB = partsB[i] ?? "";
    if (partA === partB) continue;
    // split() with a capture group puts digit runs at odd indices.
    if (i % 2 === 1) {
      const digitsA = partA.replace(/^0+/, "");
      const digitsB = partB.replace(/^0+/, "");
      if (digitsA === digitsB) continue;
      if (digitsA.length !== digitsB.length) return digitsA.length - digitsB.length;
      return digitsA < digitsB ? -1 : 1;
    }
    return partA < partB ? -1 : 1;
  }
  return partsA.length - partsB.length;
}
