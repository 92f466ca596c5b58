/**
 * Deterministic pseudo-random numbers for bootstrap resampling.
 *
 * xoshiro128** over 32-bit integer arithmetic (Math.imul, >>>), so the stream is
 * bit-identical on every JavaScript engine and can be re-implemented exactly in
 * another language (reference-values/seeded_random.py does so, which lets the
 * committed scipy reference bootstrap draw the very same resamples).
 *
 * Seeding: the 32-bit seed drives a Weyl sequence (step 0x9e3779b9) whose values
 * pass through the murmur3 32-bit finalizer; four outputs fill the state.
 * String seeds are first hashed with 32-bit FNV-1a.
 */

export type RandomSeed = number | string;

export interface SeededRandom {
  /** Next raw 32-bit output as an unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1) with 32 bits of resolution. */
  nextFloat(): number;
  /**
   * Uniform integer in [0, n). floor(u·n) has a bias below n/2^32, which is
   * negligible for the resample sizes used here and keeps the rule trivial to
   * reproduce elsewhere.
   */
  nextIndex(n: number): number;
}

const TWO_POW_32 = 4294967296;

export function hashSeed(seed: RandomSeed): number {
  if (typeof seed === "number") {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
      throw new RangeError(`numeric seed must be an integer in [0, 2^32), got ${seed}`);
    }
    return seed;
  }
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(seed)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function murmurFinalize(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotateLeft(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

export function createSeededRandom(seed: RandomSeed): SeededRandom {
  let weyl = hashSeed(seed);
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    weyl = (weyl + 0x9e3779b9) >>> 0;
    state[i] = murmurFinalize(weyl);
  }
  // The all-zero state is a fixed point of xoshiro; it cannot arise from the
  // finalizer in practice, but guard it so the generator is total.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;

  const nextUint32 = (): number => {
    const s0 = state[0];
    const s1 = state[1];
    const result = Math.imul(rotateLeft(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    state[2] ^= s0;
    state[3] ^= s1;
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = rotateLeft(state[3], 11);
    return result;
  };

  return {
    nextUint32,
    nextFloat: () => nextUint32() / TWO_POW_32,
    nextIndex: (n: number) => Math.floor((nextUint32() / TWO_POW_32) * n),
  };
}
