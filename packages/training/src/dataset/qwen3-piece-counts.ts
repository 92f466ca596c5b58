/**
 * Token counts of pre-tokens already seen, looked up by a range of the text being counted.
 *
 * Most pre-tokens recur even in distinct text (identifiers, keywords, indentation, punctuation),
 * so each distinct one goes through BPE once. A `Map<string, number>` made that lookup the largest
 * cost left: a substring and its hash per pre-token, about 90 ns on a million pre-tokens per
 * 4.5 MB. Half of all pre-tokens are one to three ASCII characters; those index flat tables by
 * their character codes. Longer ones go to an open-addressing table hashed over the range, which
 * compares characters in place, so a hit allocates nothing.
 */

const EMPTY = 0;
const INITIAL_SLOTS = 1 << 16;

export class PieceCounts {
  /** Count + 1 for two and three ASCII characters (0: not seen), indexed by the character codes. */
  private readonly pairs = new Uint8Array(128 * 128);
  private readonly triples = new Uint8Array(128 * 128 * 128);
  /** Entry number + 1 per slot (0: empty) and the slot's full hash, so most mismatches skip the character compare. */
  private slots = new Int32Array(INITIAL_SLOTS);
  private hashes = new Int32Array(INITIAL_SLOTS);
  private keys: string[] = [];
  private counts: number[] = [];
  private readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  /** Index into the short-piece tables of `text[start, end)`, or -1 when it is not 2–3 ASCII characters. */
  static shortKey(text: string, start: number, end: number): number {
    const length = end - start;
    if (length < 2 || length > 3) return -1;
    const first = text.charCodeAt(start);
    const second = text.charCodeAt(start + 1);
    if (length === 2) return (first | second) < 0x80 ? (first << 7) | second : -1;
    const third = text.charCodeAt(start + 2);
    return (first | second | third) < 0x80 ? (first << 14) | (second << 7) | third : -1;
  }

  static hash(text: string, start: number, end: number): number {
    let hash = 0x811c9dc5 | 0;
    for (let at = start; at < end; at++) hash = Math.imul(hash ^ text.charCodeAt(at), 0x01000193);
    return hash ^ (hash >>> 15);
  }

  /** The count stored for a short key (see shortKey), or -1. */
  getShort(key: number, length: number): number {
    return (length === 2 ? this.pairs[key] : this.triples[key]) - 1;
  }

  setShort(key: number, length: number, count: number): void {
    // Two or three bytes never make more than three tokens, so the count fits a byte.
    if (length === 2) this.pairs[key] = count + 1;
    else this.triples[key] = count + 1;
  }

  /** The count stored for `text[start, end)` whose hash is `hash`, or -1. */
  get(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === EMPTY) return -1;
      if (this.hashes[slot] !== hash) continue;
      const key = this.keys[entry - 1];
      if (key.length !== length) continue;
      let same = 0;
      while (same < length && key.charCodeAt(same) === text.charCodeAt(start + same)) same++;
      if (same === length) return this.counts[entry - 1];
    }
  }

  set(piece: string, hash: number, count: number): void {
    // Bounded memory on endless distinct text: start over rather than evict one by one.
    if (this.keys.length >= this.maxEntries) this.clear();
    if ((this.keys.length + 1) * 2 > this.slots.length) this.grow();
    this.keys.push(piece);
    this.counts.push(count);
    this.place(hash, this.keys.length);
  }

  get size(): number {
    return this.keys.length;
  }

  private place(hash: number, entry: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.slots[slot] = entry;
    this.hashes[slot] = hash;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.hashes = new Int32Array(oldSlots.length * 2);
    for (let slot = 0; slot < oldSlots.length; slot++) if (oldSlots[slot] !== EMPTY) this.place(oldHashes[slot], oldSlots[slot]);
  }

  private clear(): void {
    this.keys = [];
    this.counts = [];
    this.slots = new Int32Array(INITIAL_SLOTS);
    this.hashes = new Int32Array(INITIAL_SLOTS);
  }
}
