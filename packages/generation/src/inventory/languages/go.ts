import type { Node } from "web-tree-sitter";
import { fieldText, type LanguageRules } from "../walker.js";

/**
 * Go: top-level `func`s, and methods as `Type.Method` named by their receiver's base type
 * (`*Server` and `List[T]` give `Server` and `List`). Function literals are not listed.
 */
export const goRules: LanguageRules = {
  language: "go",
  grammar: "go",
  containers: new Set(["source_file"]),
  classify(node) {
    if (node.type === "function_declaration") {
      const name = fieldText(node, "name");
      return name ? { role: "definition", name, kind: "function" } : { role: "ignore" };
    }
    if (node.type === "method_declaration") {
      const name = fieldText(node, "name");
      const receiver = node.childForFieldName("receiver")?.namedChildren.find((child) => child?.type === "parameter_declaration");
      const receiverType = receiver?.childForFieldName("type");
      if (!name || !receiverType) return { role: "ignore" };
      return { role: "definition", name: `${baseTypeName(receiverType)}.${name}`, kind: "method" };
    }
    return undefined;
  },
};

function baseTypeName(type: Node): string {
  switch (type.type) {
    case "pointer_type":
    case "parenthesized_type": {
      const inner = type.namedChildren.find((child) => child !== null);
      return inner ? baseTypeName(inner) : type.text;
    }
    case "generic_type": {
      const inner = type.childForFieldName("type");
      return inner ? baseTypeName(inner) : type.text;
    }
    default:
      return type.text;
  }
}
