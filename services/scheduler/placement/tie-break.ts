import type { Prng } from "../../core/prng.js";

/**
 * One of several equally good hosts, listed in host-id order, chosen by the seeded PRNG so a run
 * replays. A single candidate draws nothing, so both engines consume the PRNG identically.
 */
export function pickTied<T>(tiedInHostIdOrder: readonly T[], prng: Prng): T {
  const count = tiedInHostIdOrder.length;
  if (count === 0) throw new Error("pickTied: no candidates");
  const index = count === 1 ? 0 : prng.nextInt(count);
  const chosen = tiedInHostIdOrder[index];
  if (chosen === undefined) throw new Error(`pickTied: index ${index} of ${count}`);
  return chosen;
}
