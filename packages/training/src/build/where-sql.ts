import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * The dataset `where` condition is user text that ends up in SQL, so it is checked as SQL before it
 * runs: DuckDB parses the whole statement (`json_serialize_sql`), and the parse tree must be the one
 * statement we meant — a plain SELECT of the rollout key from `rollouts` whose only clause is the
 * WHERE. A condition that closes a parenthesis and adds a UNION, a LIMIT, a second statement after
 * `;` or anything else changes that tree and is refused. Inside the condition, subqueries may read
 * the record tables (that is how `instances` and `verifications` are used), but no table function
 * (`read_text`, `read_csv`, `glob`, …) and no table outside the records. The connection it runs on is
 * locked as well (no file access, no settings), so this is the second of two walls, not the only one.
 */

export const KEY_COLUMNS = ["run_id", "instance_id", "phase", "rollout_attempt"] as const;

export class WherePredicateError extends Error {
  constructor(where: string, problem: string) {
    super(`params.where (${where}): ${problem}`.replace(/\s*\n\s*/g, " "));
    this.name = "WherePredicateError";
  }
}

/** The statement the condition is placed in; exactly this text is parsed, checked and run. */
export function whereStatement(where: string): string {
  return `SELECT ${KEY_COLUMNS.join(", ")} FROM rollouts WHERE ${where}`;
}

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** The outer SELECT must have exactly our shape: our columns, FROM rollouts, the WHERE, nothing else. */
function outerShapeProblem(node: Node): string | null {
  if (node.type !== "SELECT_NODE") return "must be one condition, not a query of its own (it turned the statement into " + String(node.type) + ")";
  const columns = node.select_list;
  const ourColumns =
    Array.isArray(columns) &&
    columns.length === KEY_COLUMNS.length &&
    columns.every((column, i) => isNode(column) && column.class === "COLUMN_REF" && JSON.stringify(column.column_names) === JSON.stringify([KEY_COLUMNS[i]]));
  const from = node.from_table;
  const ourTable =
    isNode(from) && from.type === "BASE_TABLE" && from.table_name === "rollouts" && from.alias === "" && from.schema_name === "" && from.catalog_name === "";
  const cteMap = isNode(node.cte_map) ? node.cte_map.map : undefined;
  const clean =
    isEmptyList(node.modifiers) &&
    isEmptyList(node.group_expressions) &&
    isEmptyList(node.group_sets) &&
    (cteMap === undefined || isEmptyList(cteMap)) &&
    node.having == null &&
    node.qualify == null &&
    node.sample == null;
  if (!ourColumns || !ourTable || !clean || !isNode(node.where_clause)) {
    return "must be one condition over the rollouts (it adds clauses such as LIMIT, ORDER BY, GROUP BY or a second query)";
  }
  return null;
}

/** Walks everything under the WHERE: table functions are refused, tables must be record tables. */
function innerProblem(value: unknown, tables: ReadonlySet<string>, cteNames: Set<string>): string | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = innerProblem(item, tables, cteNames);
      if (problem) return problem;
    }
    return null;
  }
  if (!isNode(value)) return null;
  if (value.type === "TABLE_FUNCTION") {
    const fn = isNode(value.function) ? String(value.function.function_name) : "a table function";
    return `table functions such as ${fn}() are not allowed; subqueries may read only ${[...tables].join(", ")}`;
  }
  if (isNode(value.cte_map) && Array.isArray(value.cte_map.map)) {
    for (const entry of value.cte_map.map) if (isNode(entry) && typeof entry.key === "string") cteNames.add(entry.key);
  }
  if (value.type === "BASE_TABLE") {
    const name = String(value.table_name);
    const qualified = value.schema_name !== "" || value.catalog_name !== "";
    if (qualified || !(tables.has(name) || cteNames.has(name))) {
      return `table ${JSON.stringify(name)} is not one of the record tables (${[...tables].join(", ")})`;
    }
  }
  for (const child of Object.values(value)) {
    const problem = innerProblem(child, tables, cteNames);
    if (problem) return problem;
  }
  return null;
}

/**
 * Parses `whereStatement(where)` on `connection` and throws a WherePredicateError unless it is the
 * statement we meant. `tables` are the record tables a subquery may read.
 */
export async function checkWherePredicate(connection: DuckDBConnection, where: string, tables: ReadonlySet<string>): Promise<string> {
  const statement = whereStatement(where);
  const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR) AS tree", [statement]);
  const tree = JSON.parse(String(reader.getRowObjectsJson()[0].tree)) as Node;
  if (tree.error === true) {
    const message = String(tree.error_message ?? "cannot be parsed");
    const problem = /Only SELECT statements/i.test(message)
      ? "must be a single condition; a second statement is not allowed"
      : `not a valid SQL condition: ${message}`;
    throw new WherePredicateError(where, problem);
  }
  const statements = tree.statements;
  if (!Array.isArray(statements) || statements.length !== 1 || !isNode(statements[0]) || !isNode(statements[0].node)) {
    throw new WherePredicateError(where, "must be a single condition; a second statement is not allowed");
  }
  const node = statements[0].node;
  const problem = outerShapeProblem(node) ?? innerProblem(node.where_clause, tables, new Set());
  if (problem) throw new WherePredicateError(where, problem);
  return statement;
}
