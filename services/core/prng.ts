/**
 * Seeded pseudo-random numbers for the core: xoshiro128** seeded through splitmix32.
 * The same seed gives the same sequence on every run and machine, so a failing seed replays exactly.
 */
export class Prng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(readonly seed: number) {
    // splitmix32's first four outputs, without a closure per generator (a create forks several)
    const x = seed >>> 0;
    this.s0 = splitmix32Output((x + SPLITMIX32_GAMMA) >>> 0);
    this.s1 = splitmix32Output((x + 2 * SPLITMIX32_GAMMA) >>> 0);
    this.s2 = splitmix32Output((x + 3 * SPLITMIX32_GAMMA) >>> 0);
    this.s3 = splitmix32Output((x + 4 * SPLITMIX32_GAMMA) >>> 0);
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Fills target[0, count) with the next `count` values of nextU32, in order: one call and the state
   * in locals for a workload's batch of stores (the same sequence as `count` nextU32 calls).
   */
  fillU32(target: Uint32Array, count: number): void {
    if (!(Number.isInteger(count) && count >= 0 && count <= target.length))
      throw new Error(`Prng.fillU32: count ${count} out of [0, ${target.length}]`);
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < count; i++) {
      target[i] = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9);
      const t = (s1 << 9) >>> 0;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer in [0, bound), for bound up to 2^32. */
  nextInt(bound: number): number {
    if (!(bound > 0 && bound <= 4294967296)) throw new Error(`Prng.nextInt: bound ${bound} out of range`);
    return Math.floor(this.nextFloat() * bound);
  }

  /** A child generator whose sequence depends only on this one's seed and `stream`. */
  fork(stream: number): Prng {
    return new Prng((Math.imul(this.seed ^ 0x5bd1e995, 0x01000193) + stream) >>> 0);
  }
}

/** splitmix32's state step. */
const SPLITMIX32_GAMMA = 0x9e3779b9;

/** splitmix32's output for the state `x` (already stepped). */
function splitmix32Output(x: number): number {
  let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
