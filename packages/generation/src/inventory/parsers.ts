import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

const requireFromHere = createRequire(import.meta.url);

let runtimeReady: Promise<void> | undefined;
/** One parser per grammar for the whole process: loading a wasm grammar costs far more than a parse. */
const parsersByGrammar = new Map<string, Promise<Parser>>();

/** Path of a prebuilt grammar shipped by the `tree-sitter-wasms` package (installed from npm, never downloaded at run time). */
export function grammarWasmPath(grammar: string): string {
  return requireFromHere.resolve(`tree-sitter-wasms/out/tree-sitter-${grammar}.wasm`);
}

export function parserFor(grammar: string): Promise<Parser> {
  let parser = parsersByGrammar.get(grammar);
  if (!parser) {
    parser = loadParser(grammar);
    parsersByGrammar.set(grammar, parser);
    // A failed load should not poison later calls.
    parser.catch(() => parsersByGrammar.delete(grammar));
  }
  return parser;
}

async function loadParser(grammar: string): Promise<Parser> {
  runtimeReady ??= Parser.init();
  await runtimeReady;
  const language = await Language.load(grammarWasmPath(grammar));
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}
