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

const INITIAL_SLOTS = 1 << 16;
/** Int32s per slot of the long-piece table: hash, start in the character pool, length (0: empty), count. */
const SLOT_WIDTH = 4;

export class PieceCounts {
  /** Count + 1 for two and three ASCII characters (0: not seen), indexed by the character codes. */
  private readonly pairs = new Uint8Array(128 * 128);
  private readonly triples = new Uint8Array(128 * 128 * 128);
  /**
   * Longer pieces: one open-addressing table whose slot holds everything a lookup reads, and the
   * pieces' characters back to back in one pool. A lookup touches the slot's cache line and the
   * characters it compares, and nothing else; with a string and a count per entry kept in arrays
   * beside the table, each hit chased four pointers into a heap of 100,000+ entries (120 ns a lookup
   * on 25 MB of distinct source text, against about 60 now).
   */
  private table = new Int32Array(INITIAL_SLOTS * SLOT_WIDTH);
  private pool = new Uint16Array(1 << 20);
  private poolUsed = 0;
  private entries = 0;
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
    const { table, pool } = this;
    const length = end - start;
    const mask = table.length / SLOT_WIDTH - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT_WIDTH;
      const storedLength = table[at + 2];
      if (storedLength === 0) return -1;
      if (table[at] !== hash || storedLength !== length) continue;
      let from = table[at + 1];
      let same = start;
      while (same < end && pool[from] === text.charCodeAt(same)) {
        same++;
        from++;
      }
      if (same === end) return table[at + 3];
    }
  }

  /** Stores the count of `text[start, end)`, which `get` did not find. */
  set(text: string, start: number, end: number, hash: number, count: number): void {
    // Bounded memory on endless distinct text: start over rather than evict one by one.
    if (this.entries >= this.maxEntries) this.clear();
    if ((this.entries + 1) * 2 * SLOT_WIDTH > this.table.length) this.grow();
    const length = end - start;
    if (this.poolUsed + length > this.pool.length) {
      const larger = new Uint16Array(Math.max(this.pool.length * 2, this.poolUsed + length));
      larger.set(this.pool.subarray(0, this.poolUsed));
      this.pool = larger;
    }
    const from = this.poolUsed;
    for (let at = start; at < end; at++) this.pool[this.poolUsed++] = text.charCodeAt(at);
    this.entries++;
    this.place(this.table, hash, from, length, count);
  }

  get size(): number {
    return this.entries;
  }

  private place(table: Int32Array, hash: number, from: number, length: number, count: number): void {
    const mask = table.length / SLOT_WIDTH - 1;
    let slot = hash & mask;
    while (table[slot * SLOT_WIDTH + 2] !== 0) slot = (slot + 1) & mask;
    const at = slot * SLOT_WIDTH;
    table[at] = hash;
    table[at + 1] = from;
    table[at + 2] = length;
    table[at + 3] = count;
  }

  private grow(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    for (let at = 0; at < old.length; at += SLOT_WIDTH) if (old[at + 2] !== 0) this.place(table, old[at], old[at + 1], old[at + 2], old[at + 3]);
    this.table = table;
  }

  private clear(): void {
    this.entries = 0;
    this.poolUsed = 0;
    this.table = new Int32Array(INITIAL_SLOTS * SLOT_WIDTH);
  }
}
