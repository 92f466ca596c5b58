import type { Node } from "web-tree-sitter";
import { fieldText, firstLeadingSibling, type LanguageRules } from "../walker.js";

/**
 * Rust: free `fn`s, and functions in `impl` and `trait` blocks as `Type.method` — a dot, not
 * `::`, so every language joins names the same way and ids of the form `<file>::<name>` stay
 * unambiguous. `impl Trait for Type` methods belong to `Type`; generics and references are
 * stripped (`impl<T> Stack<T>` gives `Stack`). Every function in an `impl` or `trait` is a
 * "method", associated functions such as `new` included, since Rust has no constructors.
 * Inline `mod` blocks add a `module.` prefix.
 * Test code lives inline in Rust, so `#[cfg(test)]` modules and `#[test]` functions are left
 * out. Trait methods without a body are not listed. Spans start at the item's first attribute.
 */
const ATTRIBUTES = new Set(["attribute_item"]);
const TEST_ATTRIBUTE = /^#\[(?:[\w:]*::)?test(?:\(.*\))?\]$|^#\[cfg\(test\)\]$/;

export const rustRules: LanguageRules = {
  language: "rust",
  grammar: "rust",
  containers: new Set(["source_file", "declaration_list"]),
  classify(node, enclosing) {
    switch (node.type) {
      case "function_item": {
        const name = fieldText(node, "name");
        if (!name || hasTestAttribute(node)) return { role: "ignore" };
        const kind = enclosing?.isType ? "method" : "function";
        return { role: "definition", name, kind, spanStart: firstLeadingSibling(node, ATTRIBUTES) };
      }
      case "impl_item": {
        const type = node.childForFieldName("type");
        return type ? { role: "scope", name: baseTypeName(type), isType: true } : { role: "ignore" };
      }
      case "trait_item": {
        const name = fieldText(node, "name");
        return name ? { role: "scope", name, isType: true } : { role: "ignore" };
      }
      case "mod_item": {
        const name = fieldText(node, "name");
        if (!name || !node.childForFieldName("body") || hasTestAttribute(node)) return { role: "ignore" };
        return { role: "scope", name, isType: false };
      }
      default:
        return undefined;
    }
  },
};

function hasTestAttribute(node: Node): boolean {
  let previous = node.previousNamedSibling;
  while (previous?.type === "attribute_item") {
    if (TEST_ATTRIBUTE.test(previous.text.replace(/\s+/g, ""))) return true;
    previous = previous.previousNamedSibling;
  }
  return false;
}

function baseTypeName(type: Node): string {
  switch (type.type) {
    case "generic_type":
    case "reference_type":
    case "pointer_type": {
      const inner = type.childForFieldName("type");
      return inner ? baseTypeName(inner) : type.text;
    }
    case "scoped_type_identifier":
      return fieldText(type, "name") ?? type.text;
    default:
      return type.text.replace(/\s+/g, "");
  }
}
