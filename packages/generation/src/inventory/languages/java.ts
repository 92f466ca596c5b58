import { fieldText, type LanguageRules } from "../walker.js";

/**
 * Java: methods with a body as `Class.method` and constructors as `Class.Class` (records'
 * compact constructors too), with nested types as `Outer.Inner.method`. Abstract and interface
 * methods without a body are not listed, nor are methods of anonymous classes or enum constant
 * bodies. Spans include annotations, which the grammar places inside the declaration.
 */
const TYPE_DECLARATIONS = new Set(["class_declaration", "interface_declaration", "enum_declaration", "record_declaration", "annotation_type_declaration"]);

export const javaRules: LanguageRules = {
  language: "java",
  grammar: "java",
  containers: new Set(["program", "class_body", "interface_body", "enum_body", "enum_body_declarations", "annotation_type_body"]),
  classify(node) {
    const name = fieldText(node, "name");
    if (TYPE_DECLARATIONS.has(node.type)) {
      return name ? { role: "scope", name, isType: true } : { role: "ignore" };
    }
    if (node.type === "method_declaration") {
      if (!name || !node.childForFieldName("body")) return { role: "ignore" };
      return { role: "definition", name, kind: "method" };
    }
    if (node.type === "constructor_declaration" || node.type === "compact_constructor_declaration") {
      return name ? { role: "definition", name, kind: "constructor" } : { role: "ignore" };
    }
    return undefined;
  },
};
