/**
 * Qwen2/3's pre-tokenizer split, as a hand-written scanner.
 *
 * The split is defined by a regular expression (`QWEN3_PRE_TOKEN_PATTERN`, kept below as the
 * reference and tested against the scanner). Running that expression with Unicode property classes
 * was the largest cost of counting tokens once BPE results were cached per pre-token, so
 * `preTokenEnd` walks the text once with a per-code-point class table and reproduces what the
 * expression's alternatives, tried in order with backtracking, would match.
 */

/**
 * The reference pattern, translated from Rust regex to JavaScript. `\s` is written as
 * `\p{White_Space}` because JavaScript's `\s` differs from Rust's (it adds U+FEFF and lacks U+0085).
 * The case-insensitive contraction group is spelled out since JavaScript has no inline `(?i:)`.
 */
const WS = "\\p{White_Space}";
export const QWEN3_PRE_TOKEN_PATTERN = new RegExp(
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

/** Every pre-token of `text` by the reference pattern; for tests and as the definition. */
export function referencePreTokens(text: string): string[] {
  return [...text.matchAll(QWEN3_PRE_TOKEN_PATTERN)].map((match) => match[0]);
}

/** Class bits of a code point: exactly one of LETTER, NUMBER, SPACE, OTHER; NEWLINE is set on \r and \n (also SPACE). */
const LETTER = 1;
const NUMBER = 2;
const SPACE = 4;
const NEWLINE = 8;
const OTHER = 16;
const KNOWN = 128;

const letterTest = /^\p{L}$/u;
const numberTest = /^\p{N}$/u;
const spaceTest = /^\p{White_Space}$/u;

function classify(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  if (letterTest.test(char)) return LETTER;
  if (numberTest.test(char)) return NUMBER;
  if (spaceTest.test(char)) return codePoint === 0x0a || codePoint === 0x0d ? SPACE | NEWLINE : SPACE;
  return OTHER;
}

/** BMP classes filled on first sight (a lone surrogate classifies as OTHER, as the `u` regex sees it). */
const bmpClass = new Uint8Array(0x10000);
const astralClass = new Map<number, number>();

function classOf(codePoint: number): number {
  if (codePoint < 0x10000) {
    const known = bmpClass[codePoint];
    if (known !== 0) return known & ~KNOWN;
    const computed = classify(codePoint);
    bmpClass[codePoint] = computed | KNOWN;
    return computed;
  }
  let computed = astralClass.get(codePoint);
  if (computed === undefined) {
    computed = classify(codePoint);
    astralClass.set(codePoint, computed);
  }
  return computed;
}
for (let codePoint = 0; codePoint < 0x80; codePoint++) classOf(codePoint);

/** Width in UTF-16 units of the code point at `at`, reading nothing at or past `limit`. */
function widthAt(text: string, at: number, limit: number): number {
  const unit = text.charCodeAt(at);
  if (unit < 0xd800 || unit > 0xdbff || at + 1 >= limit) return 1;
  const next = text.charCodeAt(at + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

function classAt(text: string, at: number, limit: number): number {
  const unit = text.charCodeAt(at);
  if (unit < 0x80) return bmpClass[unit] & ~KNOWN;
  // A high surrogate whose pair lies past the limit stands alone there, as in a slice.
  return classOf(widthAt(text, at, limit) === 2 ? (text.codePointAt(at) as number) : unit);
}

/**
 * End of the run of code points from `at` whose class has any of `bits`. Source text is nearly
 * all ASCII, whose classes are a table read and one unit wide; runs are the scanner's inner loop.
 */
function runEnd(text: string, at: number, bits: number, limit: number): number {
  let end = at;
  while (end < limit) {
    const unit = text.charCodeAt(end);
    if (unit < 0x80) {
      if ((bmpClass[unit] & bits) === 0) break;
      end++;
    } else {
      if ((classAt(text, end, limit) & bits) === 0) break;
      end += widthAt(text, end, limit);
    }
  }
  return end;
}

/**
 * From the class table: 1 for an ASCII letter; 2 for what may stand before a word, `[^\r\n\p{L}\p{N}]`,
 * except `'`, which may open a contraction instead; 0 otherwise.
 */
const asciiWordClass = new Uint8Array(128);
for (let unit = 0; unit < 128; unit++) {
  const known = bmpClass[unit] & ~KNOWN;
  asciiWordClass[unit] = known === LETTER ? 1 : (known & (NUMBER | NEWLINE)) !== 0 || unit === 0x27 ? 0 : 2;
}

/**
 * The pre-token most source text is made of, an ASCII word with at most one ASCII non-letter
 * before it (` return`, `.length`, `_id`): its end, or -1 when the text at `start` is anything
 * else or the word runs into a non-ASCII character, for `preTokenEnd` to read. One loop over a
 * 128-entry table: counting the bench's ChatML segments took 8% less time (paired passes in one
 * process, median of 10, both orders), where the general scanner classifies each code point.
 */
export function asciiWordEnd(text: string, start: number, limit: number): number {
  const first = text.charCodeAt(start);
  if (first >= 0x80) return -1;
  let end = start + 1;
  if (asciiWordClass[first] === 2) {
    const second = end < limit ? text.charCodeAt(end) : 0x80;
    if (!(second < 0x80 && asciiWordClass[second] === 1)) return -1;
    end++;
  } else if (asciiWordClass[first] !== 1) return -1;
  for (; end < limit; end++) {
    const unit = text.charCodeAt(end);
    if (unit >= 0x80) return -1;
    if (asciiWordClass[unit] !== 1) break;
  }
  return end;
}

/** ASCII letters of the contractions the pattern's first alternatives accept after an apostrophe. */
function contractionEnd(text: string, at: number, limit: number): number {
  const second = at + 1 < limit ? text.charCodeAt(at + 1) | 0x20 : -1;
  if (second === 0x73 || second === 0x74 || second === 0x6d || second === 0x64) return at + 2; // s t m d
  const third = at + 2 < limit ? text.charCodeAt(at + 2) | 0x20 : -1;
  if ((second === 0x72 && third === 0x65) || (second === 0x76 && third === 0x65) || (second === 0x6c && third === 0x6c)) return at + 3; // re ve ll
  return -1;
}

/**
 * End (exclusive, in UTF-16 units) of the pre-token that starts at `start` < `limit`: what
 * `QWEN3_PRE_TOKEN_PATTERN` matches there in `text.slice(0, limit)`, read in place. The branches
 * follow the pattern's alternatives in order.
 */
export function preTokenEnd(text: string, start: number, limit = text.length): number {
  const first = classAt(text, start, limit);
  if (text.charCodeAt(start) === 0x27) {
    const end = contractionEnd(text, start, limit);
    if (end > 0) return end;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (first === LETTER) return runEnd(text, start, LETTER, limit);
  const afterFirst = start + widthAt(text, start, limit);
  const second = afterFirst < limit ? classAt(text, afterFirst, limit) : 0;
  if ((first & (NEWLINE | NUMBER)) === 0 && second === LETTER) return runEnd(text, afterFirst, LETTER, limit);
  // \p{N}
  if (first === NUMBER) return afterFirst;
  // " ?[^\s\p{L}\p{N}]+[\r\n]*": an optional U+0020 only, then symbols, then line breaks.
  if (first === OTHER) return runEnd(text, runEnd(text, afterFirst, OTHER, limit), NEWLINE, limit);
  if (text.charCodeAt(start) === 0x20 && second === OTHER) return runEnd(text, runEnd(text, afterFirst, OTHER, limit), NEWLINE, limit);
  // Whitespace: `\s*[\r\n]+` ends after the run's last line break; `\s+(?!\S)` leaves the run's
  // last character to the next token unless the text ends; `\s+` takes a single space before a non-space.
  const spaceEnd = runEnd(text, start, SPACE, limit);
  for (let at = spaceEnd - 1; at >= start; at--) {
    const unit = text.charCodeAt(at);
    if (unit === 0x0a || unit === 0x0d) return at + 1;
  }
  if (spaceEnd === limit || spaceEnd - start === 1) return spaceEnd;
  return spaceEnd - 1;
}
