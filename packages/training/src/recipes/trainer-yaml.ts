import { stringify } from "yaml";

/**
 * YAML for Python trainers. axolotl and LLaMA-Factory read their configs with PyYAML, which
 * speaks YAML 1.1: an unquoted `no` is the boolean false and `1e-7` (no dot in the mantissa) is
 * a string. So strings are written YAML 1.1-safe, and floats that JavaScript prints in exponent
 * form get a ".0" mantissa that both PyYAML and YAML 1.2 read as a float.
 */

const exponentScalar = /^(\s*(?:- |[^\s#:][^:#]*: ))(-?\d+)(e[-+]?\d+)$/gm;

export function trainerYaml(config: Record<string, unknown>, header: string[] = []): string {
  const body = stringify(config, { version: "1.1", lineWidth: 0 }).replace(exponentScalar, "$1$2.0$3");
  const comments = header.map((line) => (line ? `# ${line}` : "#")).join("\n");
  return comments ? `${comments}\n${body}` : body;
}
