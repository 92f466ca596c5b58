"""Python port of src/random/seededRandom.ts (xoshiro128** with a murmur3-finalized
Weyl-sequence seeding), so the reference bootstrap draws exactly the resamples the
TypeScript code draws. Only used to produce committed reference values."""

MASK = 0xFFFFFFFF


def hash_seed(seed):
    if isinstance(seed, int):
        if not 0 <= seed <= MASK:
            raise ValueError("seed must be a 32-bit unsigned integer")
        return seed
    value = 0x811C9DC5
    for byte in seed.encode("utf-8"):
        value ^= byte
        value = (value * 0x01000193) & MASK
    return value


def _finalize(value):
    z = value & MASK
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK
    return (z ^ (z >> 16)) & MASK


def _rotl(value, shift):
    return ((value << shift) | (value >> (32 - shift))) & MASK


class SeededRandom:
    def __init__(self, seed):
        weyl = hash_seed(seed)
        self.state = []
        for _ in range(4):
            weyl = (weyl + 0x9E3779B9) & MASK
            self.state.append(_finalize(weyl))
        if not any(self.state):
            self.state[0] = 1

    def next_uint32(self):
        s = self.state
        result = (_rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        shifted = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= shifted
        s[3] = _rotl(s[3], 11)
        return result

    def next_float(self):
        return self.next_uint32() / 4294967296.0

    def next_index(self, n):
        # Same rule as the TypeScript: floor(u * n) in double precision.
        return int((self.next_uint32() / 4294967296.0) * n // 1)
