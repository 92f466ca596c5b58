import type { Node } from "web-tree-sitter";
import { fieldText, type EnclosingScope, type LanguageRules, type NodeRole } from "../walker.js";

/**
 * Python: top-level and class-level `def`/`async def`. Methods are `Class.method`, nested classes
 * `Outer.Inner.method`, and `__init__` is the constructor. A decorated definition's span starts at
 * its first decorator. Functions defined inside function bodies are not listed: they cannot be
 * called from outside, so they make poor start functions.
 */
export const pythonRules: LanguageRules = {
  language: "python",
  grammar: "python",
  containers: new Set([
    "module",
    "block",
    "if_statement",
    "elif_clause",
    "else_clause",
    "try_statement",
    "except_clause",
    "except_group_clause",
    "finally_clause",
    "with_statement",
    "for_statement",
    "while_statement",
    "match_statement",
    "case_clause",
    "decorated_definition",
  ]),
  classify(node, enclosing) {
    if (node.type === "function_definition") return functionRole(node, node, enclosing);
    if (node.type === "class_definition") return classRole(node);
    if (node.type === "decorated_definition") {
      const definition = node.childForFieldName("definition");
      if (definition?.type === "function_definition") return functionRole(definition, node, enclosing);
      // A decorated class is entered like any container; its class_definition child opens the scope.
      return definition?.type === "class_definition" ? undefined : { role: "ignore" };
    }
    return undefined;
  },
};

function functionRole(definition: Node, spanStart: Node, enclosing: EnclosingScope | undefined): NodeRole {
  const name = fieldText(definition, "name");
  if (!name) return { role: "ignore" };
  const inClass = enclosing?.isType === true;
  return {
    role: "definition",
    name,
    kind: inClass ? (name === "__init__" ? "constructor" : "method") : "function",
    spanStart,
  };
}

function classRole(definition: Node): NodeRole {
  const name = fieldText(definition, "name");
  return name ? { role: "scope", name, isType: true } : { role: "ignore" };
}
