import { createHash } from "node:crypto";

/**
 * A small deterministic generator (xoshiro128**) seeded from sha256 of labelled parts, so the
 * same labels give the same stream on any machine and Node version.
 */
export interface SeededRandom {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform integer in [0, bound), without modulo bias. */
  nextInt(bound: number): number;
  /** Shuffles a copy of `items` (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** sha256 over the parts, each prefixed by its length so ("ab","c") and ("a","bc") differ. */
export function hashParts(parts: readonly string[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) {
    const bytes = Buffer.from(part, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest();
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export function createSeededRandom(...parts: string[]): SeededRandom {
  const digest = hashParts(parts);
  return randomFromState([digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8), digest.readUInt32BE(12)]);
}

/** The generator over an explicit 128-bit state (four 32-bit words); exposed for reference-vector tests. */
export function randomFromState(state: readonly number[]): SeededRandom {
  if (state.length !== 4) throw new RangeError(`xoshiro128** needs four 32-bit words, got ${state.length}`);
  const s: number[] = state.map((word) => word >>> 0);
  // xoshiro's all-zero state is a fixed point; a sha256 prefix of 128 zero bits will not occur, but be safe.
  if (!s.some((word) => word !== 0)) s[0] = 0x9e3779b9;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  };

  const nextInt = (bound: number): number => {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 32) throw new RangeError(`bound must be an integer in [1, 2^32], got ${bound}`);
    // Reject the top slice of the 32-bit range that would over-represent small results.
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const value = nextUint32();
      if (value < limit) return value % bound;
    }
  };

  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = nextInt(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };

  return { nextUint32, nextInt, shuffle };
}
