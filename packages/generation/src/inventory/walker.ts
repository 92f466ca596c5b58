import type { Node } from "web-tree-sitter";
import type { FunctionKind, SourceLanguage } from "./types.js";

/** A named scope the walker is inside: a class, impl, trait, module or namespace. */
export interface EnclosingScope {
  name: string;
  /** True for class-like scopes, whose functions are methods. */
  isType: boolean;
}

/** What a language's rules say about one syntax node. */
export type NodeRole =
  /** A function to list. The walker never looks inside it, so nested functions are not listed. */
  | { role: "definition"; name: string; kind: FunctionKind; spanStart?: Node }
  /** A named scope whose body holds more definitions. */
  | { role: "scope"; name: string; isType: boolean }
  /** Not listed and not entered, even if its type is a container (test modules, object literals). */
  | { role: "ignore" };

export interface LanguageRules {
  language: SourceLanguage;
  /** Base name of the grammar in `tree-sitter-wasms/out/tree-sitter-<grammar>.wasm`. */
  grammar: string;
  /**
   * Node types the walker enters looking for definitions (module roots, bodies, if/try blocks).
   * Anything else that is neither a definition nor a scope is passed over, which keeps the walk
   * out of expressions and function bodies.
   */
  containers: ReadonlySet<string>;
  /** Returns a role, or undefined for "enter it if it is a container, else pass over it". */
  classify(node: Node, enclosing: EnclosingScope | undefined): NodeRole | undefined;
}

export interface FoundDefinition {
  qualifiedName: string;
  kind: FunctionKind;
  startLine: number;
  endLine: number;
}

export interface WalkOutcome {
  definitions: FoundDefinition[];
  /** Definitions whose subtree holds a syntax error; their spans cannot be trusted. */
  definitionsWithSyntaxErrors: number;
  treeHasErrors: boolean;
}

interface PendingNode {
  node: Node;
  scopes: EnclosingScope[];
}

/** Walks a syntax tree with an explicit stack (deeply nested files must not overflow the JS stack). */
export function walkDefinitions(root: Node, rules: LanguageRules): WalkOutcome {
  const definitions: FoundDefinition[] = [];
  let definitionsWithSyntaxErrors = 0;
  const stack: PendingNode[] = [{ node: root, scopes: [] }];
  while (stack.length > 0) {
    const { node, scopes } = stack.pop()!;
    const children = node.namedChildren;
    // Pushed in reverse so siblings are visited in source order.
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (!child) continue;
      const enclosing = scopes[scopes.length - 1];
      const role = rules.classify(child, enclosing);
      if (role === undefined) {
        if (rules.containers.has(child.type)) stack.push({ node: child, scopes });
      } else if (role.role === "scope") {
        stack.push({ node: child, scopes: [...scopes, { name: role.name, isType: role.isType }] });
      } else if (role.role === "definition") {
        if (child.hasError) {
          definitionsWithSyntaxErrors++;
          continue;
        }
        definitions.push({
          qualifiedName: [...scopes.map((scope) => scope.name), role.name].join("."),
          kind: role.kind,
          startLine: (role.spanStart ?? child).startPosition.row + 1,
          endLine: lastLineOf(child),
        });
      }
    }
  }
  definitions.sort((a, b) => a.startLine - b.startLine || a.endLine - b.endLine);
  return { definitions, definitionsWithSyntaxErrors, treeHasErrors: root.hasError };
}

/** 1-based last line; a node that ends at column 0 really ended on the line before. */
function lastLineOf(node: Node): number {
  const end = node.endPosition;
  if (end.column === 0 && end.row > node.startPosition.row) return end.row;
  return end.row + 1;
}

/** The first of the decorator-like siblings right before `node` (decorators, annotations, attributes). */
export function firstLeadingSibling(node: Node, siblingTypes: ReadonlySet<string>): Node | undefined {
  let first: Node | undefined;
  let previous = node.previousNamedSibling;
  while (previous && siblingTypes.has(previous.type)) {
    first = previous;
    previous = previous.previousNamedSibling;
  }
  return first;
}

export function fieldText(node: Node, field: string): string | undefined {
  return node.childForFieldName(field)?.text;
}
