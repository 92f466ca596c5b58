/**
 * Reads the Python dict literals Hugging Face's Trainer prints as training logs
 * (`{'loss': 0.5581, 'grad_norm': 14.0, 'learning_rate': 2.08e-07, 'epoch': 0.01}`). Values
 * can be numbers (including nan and inf), quoted strings, True/False/None, or a wrapped scalar
 * such as `tensor(14.03, device='cuda:0')` or `np.float64(0.2)`, whose first number is taken.
 */

export type PythonScalar = number | string | boolean | null;

class Reader {
  private at = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.at] ?? "";
  }

  private expect(char: string): void {
    if (this.peek() !== char) throw new Error(`expected ${char} at ${this.at}`);
    this.at++;
  }

  private quoted(): string {
    const quote = this.text[this.at];
    let out = "";
    this.at++;
    while (this.at < this.text.length && this.text[this.at] !== quote) {
      if (this.text[this.at] === "\\" && this.at + 1 < this.text.length) this.at++;
      out += this.text[this.at++];
    }
    if (this.text[this.at] !== quote) throw new Error("unterminated string");
    this.at++;
    return out;
  }

  private word(): string {
    const start = this.at;
    while (this.at < this.text.length && /[A-Za-z0-9_.+\-]/.test(this.text[this.at])) this.at++;
    return this.text.slice(start, this.at);
  }

  /** Skip a balanced parenthesised argument list, returning its first number if any. */
  private callArguments(): number | null {
    this.expect("(");
    let depth = 1;
    let first: number | null = null;
    let token = "";
    const flush = () => {
      if (first === null && token !== "") {
        const n = numberOf(token);
        if (n !== null) first = n;
      }
      token = "";
    };
    while (this.at < this.text.length && depth > 0) {
      const c = this.text[this.at++];
      if (c === "(") depth++;
      else if (c === ")") depth--;
      if (/[A-Za-z0-9_.+\-]/.test(c) && depth === 1) token += c;
      else flush();
    }
    if (depth !== 0) throw new Error("unbalanced parentheses");
    return first;
  }

  value(): PythonScalar {
    const c = this.peek();
    if (c === "'" || c === '"') return this.quoted();
    const word = this.word();
    if (word === "") throw new Error(`unexpected ${JSON.stringify(c)} at ${this.at}`);
    if (this.peek() === "(") return this.callArguments();
    if (word === "True") return true;
    if (word === "False") return false;
    if (word === "None") return null;
    const n = numberOf(word);
    if (n === null) throw new Error(`not a value: ${word}`);
    return n;
  }

  dict(): Record<string, PythonScalar> {
    const out: Record<string, PythonScalar> = {};
    this.expect("{");
    if (this.peek() === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      const c = this.peek();
      if (c !== "'" && c !== '"') throw new Error(`expected a quoted key at ${this.at}`);
      const key = this.quoted();
      this.expect(":");
      out[key] = this.value();
      const next = this.peek();
      this.at++;
      if (next === "}") break;
      if (next !== ",") throw new Error(`expected , or } at ${this.at - 1}`);
      if (this.peek() === "}") {
        this.at++;
        break;
      }
    }
    return out;
  }

  rest(): string {
    return this.text.slice(this.at).trim();
  }
}

function numberOf(word: string): number | null {
  const lower = word.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(word)) return null;
  return Number(word);
}

/** Parse one Python dict literal; null when the text is not exactly one. */
export function parsePythonDict(text: string): Record<string, PythonScalar> | null {
  try {
    const reader = new Reader(text);
    const dict = reader.dict();
    return reader.rest() === "" ? dict : null;
  } catch {
    return null;
  }
}

/** A number from a parsed value: numbers as they are, numeric strings (some versions quote them) too. */
export function numericValue(value: PythonScalar | undefined): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "string") return numberOf(value.trim());
  return null;
}
