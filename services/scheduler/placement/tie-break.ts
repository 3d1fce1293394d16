import type { Prng } from "../../core/prng.js";

/**
 * Which of `count` equally good hosts, listed in host-id order, to take: drawn from the seeded
 * PRNG so a run replays. A single candidate draws nothing, so both engines consume the PRNG alike.
 */
export function tieIndex(count: number, prng: Prng): number {
  if (!(count >= 1)) throw new Error(`tieIndex: ${count} candidates`);
  return count === 1 ? 0 : prng.nextInt(count);
}

export function pickTied<T>(tiedInHostIdOrder: readonly T[], prng: Prng): T {
  const index = tieIndex(tiedInHostIdOrder.length, prng);
  const chosen = tiedInHostIdOrder[index];
  if (chosen === undefined) throw new Error(`pickTied: index ${index} of ${tiedInHostIdOrder.length}`);
  return chosen;
}
