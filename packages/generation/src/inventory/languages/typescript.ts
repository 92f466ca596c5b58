import type { Node } from "web-tree-sitter";
import { fieldText, firstLeadingSibling, type LanguageRules, type NodeRole } from "../walker.js";

/**
 * TypeScript and JavaScript share one set of rules (the grammars agree on these node types):
 * function declarations; class methods as `Class.method` (`constructor` as the constructor);
 * class fields holding an arrow or function expression as methods; `const`/`let`/`var`
 * declarators holding one as functions; `namespace` blocks as a `Namespace.` prefix.
 * Overload and abstract signatures have no body and are not listed, nor are methods of object
 * literals, anonymous default exports, or functions passed as arguments (IIFEs included).
 * A decorated method's span starts at its first decorator.
 */
const FUNCTION_VALUES = new Set(["arrow_function", "function_expression", "function", "generator_function"]);
const DECORATORS = new Set(["decorator"]);

const containers = new Set([
  "program",
  "export_statement",
  "expression_statement",
  "lexical_declaration",
  "variable_declaration",
  "statement_block",
  "if_statement",
  "else_clause",
  "try_statement",
  "catch_clause",
  "finally_clause",
  "class_body",
]);

function classify(node: Node): NodeRole | undefined {
  switch (node.type) {
    case "function_declaration":
    case "generator_function_declaration":
      return named(node, fieldText(node, "name"), "function");
    case "class_declaration":
    case "abstract_class_declaration": {
      const name = fieldText(node, "name");
      return name ? { role: "scope", name, isType: true } : { role: "ignore" };
    }
    case "internal_module": {
      const name = fieldText(node, "name");
      return name ? { role: "scope", name, isType: false } : { role: "ignore" };
    }
    case "method_definition": {
      if (node.parent?.type !== "class_body") return { role: "ignore" };
      const name = fieldText(node, "name");
      return named(node, name, name === "constructor" ? "constructor" : "method");
    }
    case "public_field_definition":
    case "field_definition": {
      const value = node.childForFieldName("value");
      if (!value || !FUNCTION_VALUES.has(value.type)) return { role: "ignore" };
      return named(node, fieldText(node, "name") ?? fieldText(node, "property"), "method");
    }
    case "variable_declarator": {
      const value = node.childForFieldName("value");
      const nameNode = node.childForFieldName("name");
      if (!value || !FUNCTION_VALUES.has(value.type) || nameNode?.type !== "identifier") return { role: "ignore" };
      return named(node, nameNode.text, "function");
    }
    default:
      return undefined;
  }
}

function named(node: Node, name: string | undefined, kind: "function" | "method" | "constructor"): NodeRole {
  if (!name) return { role: "ignore" };
  return { role: "definition", name, kind, spanStart: firstLeadingSibling(node, DECORATORS) };
}

export const typescriptRules: LanguageRules = { language: "typescript", grammar: "typescript", containers, classify };
/** `.tsx` needs the TSX grammar, which also parses JSX elements. */
export const tsxRules: LanguageRules = { language: "typescript", grammar: "tsx", containers, classify };
export const javascriptRules: LanguageRules = { language: "javascript", grammar: "javascript", containers, classify };
