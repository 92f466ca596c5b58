import { z } from "zod";
import type { RecordTable } from "../store/record-table.js";

/**
 * One definition per table: the strict zod row shape is the source, and the DuckDB column types
 * (DDL and the typed `read_json` column map) are derived from it, so the writer that validates a
 * record and the store that loads it cannot disagree about a column.
 *
 * Derivation: string and enum → VARCHAR, int → INTEGER, other numbers → DOUBLE, boolean → BOOLEAN,
 * an array of one of those → that type with `[]`, objects and anything else → JSON; nullable,
 * optional and default wrappers pass through to the inner type. What the shape cannot say (BIGINT
 * counters, TIMESTAMPTZ instants held as ISO strings, JSON text held as a string) is given in
 * `types` for that column only.
 */

export type SqlColumnType = string;

export interface TableOptions<Shape extends z.ZodRawShape> {
  key: (keyof Shape & string)[];
  /** Columns whose DuckDB type the zod shape cannot determine. */
  types?: Partial<Record<keyof Shape & string, SqlColumnType>>;
  /**
   * Declare non-nullable columns NOT NULL. The spine's tables do (the store writes them itself);
   * record tables do not, since record files written by older versions may lack later columns.
   */
  notNull?: boolean;
}

export interface ContractTable<Shape extends z.ZodRawShape = z.ZodRawShape> extends RecordTable {
  /** What a row must hold; strict, so a misspelt or missing column fails where it is written or read. */
  row: z.ZodObject<Shape, z.core.$strict>;
  key: (keyof Shape & string)[];
}

/** A row of the table whose zod shape is `Shape`. */
export type RowOf<Shape extends z.ZodRawShape> = z.infer<z.ZodObject<Shape, z.core.$strict>>;
/** The row type of a table (`TableRow<typeof rolloutsTable>`). */
export type TableRow<T> = T extends ContractTable<infer Shape> ? RowOf<Shape> : never;

function unwrap(schema: z.ZodType): { inner: z.ZodType; nullable: boolean } {
  let inner = schema;
  let nullable = false;
  for (;;) {
    const def = inner._zod.def as { type: string; innerType?: z.ZodType };
    if ((def.type === "nullable" || def.type === "optional" || def.type === "default" || def.type === "prefault") && def.innerType) {
      if (def.type !== "default" && def.type !== "prefault") nullable = true;
      inner = def.innerType;
    } else return { inner, nullable };
  }
}

function scalarType(schema: z.ZodType): SqlColumnType | null {
  const def = schema._zod.def as { type: string };
  switch (def.type) {
    case "string":
    case "enum":
    case "literal":
      return "VARCHAR";
    case "boolean":
      return "BOOLEAN";
    case "number":
      return (schema as z.ZodNumber).format === "safeint" || (schema as z.ZodNumber).format === "int32" ? "INTEGER" : "DOUBLE";
    default:
      return null;
  }
}

/** The DuckDB type a zod column derives to (see the rule above). */
export function derivedColumnType(schema: z.ZodType): SqlColumnType {
  const { inner } = unwrap(schema);
  const scalar = scalarType(inner);
  if (scalar) return scalar;
  const def = inner._zod.def as { type: string; element?: z.ZodType };
  if (def.type === "array" && def.element) {
    const element = scalarType(unwrap(def.element).inner);
    if (element) return `${element}[]`;
  }
  return "JSON";
}

export function defineTable<Shape extends z.ZodRawShape>(name: string, shape: Shape, options: TableOptions<Shape>): ContractTable<Shape> {
  const row = z.object(shape).strict();
  const columns: Record<string, SqlColumnType> = {};
  const declarations: string[] = [];
  for (const [column, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    const type = (options.types as Record<string, string> | undefined)?.[column] ?? derivedColumnType(schema);
    columns[column] = type;
    declarations.push(`"${column}" ${type}${options.notNull && !unwrap(schema).nullable ? " NOT NULL" : ""}`);
  }
  for (const column of [...options.key, ...Object.keys(options.types ?? {})]) {
    if (!(column in shape)) throw new Error(`table ${name}: ${column} is not a column of its row shape`);
  }
  const ddl = `CREATE TABLE IF NOT EXISTS ${name} (${declarations.join(", ")}, PRIMARY KEY (${options.key.join(", ")}))`;
  return { name, row, columns, key: options.key, ddl };
}

/**
 * `stand-in` when a row came from one of sera's stand-ins (the scripted model server, the CPU
 * stand-in trainer), `real` when from a real model or trainer. Nullable in the tables that hold rows
 * from before provenance was recorded.
 */
export const provenanceSchema = z.enum(["real", "stand-in"]);
export type Provenance = z.infer<typeof provenanceSchema>;

/**
 * Some of a table's columns with the table's own types: for readers of files that fill only part of
 * a table (foreign trajectories fill generation's rollouts, patches and instances partly).
 */
export function pickColumns<Shape extends z.ZodRawShape>(table: ContractTable<Shape>, names: readonly (keyof Shape & string)[]): Record<string, SqlColumnType> {
  return Object.fromEntries(names.map((name) => [name, table.columns[name]]));
}
