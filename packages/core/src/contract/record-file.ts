import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type z } from "zod";
import { readJsonlLines } from "../executor/journal.js";
import type { ContractTable, RowOf } from "./define-table.js";

/**
 * A stage's record files: `<dir>/<table>.jsonl`, one row per line, written and read through the
 * table's shape. Most writers fill every column; some fill only part of a table (ingest fills
 * generation's `rollouts`, `patches` and `instances` with what a foreign trajectory can say), so
 * both sides name the columns every row must carry and accept the rest as missing — never unknown,
 * never of the wrong type.
 */

/** A row with the `Required` columns and any others possibly missing. */
type ColumnOf<Shape extends z.ZodRawShape> = keyof RowOf<Shape> & string;
export type PartialRow<Shape extends z.ZodRawShape, Required extends ColumnOf<Shape>> = Partial<RowOf<Shape>> & Pick<RowOf<Shape>, Required>;

export class RecordFileError extends Error {}

export const recordFilePath = (dir: string, table: { name: string }): string => path.join(dir, `${table.name}.jsonl`);

function partialShape<Shape extends z.ZodRawShape>(table: ContractTable<Shape>, required: readonly string[] | null): z.ZodType {
  if (required === null) return table.row;
  return table.row.partial().required(Object.fromEntries(required.map((column) => [column, true])) as never);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(row)"}: ${issue.message}`).join("; ");
}

function appendParsed(dir: string, table: { name: string }, schema: z.ZodType, rows: readonly unknown[]): void {
  const lines = rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) throw new RecordFileError(`${table.name} row ${index + 1}: ${describeIssues(parsed.error)}`);
    return JSON.stringify(parsed.data) + "\n";
  });
  mkdirSync(dir, { recursive: true });
  appendFileSync(recordFilePath(dir, table), lines.join(""));
}

/**
 * Append rows to `<dir>/<table>.jsonl`, each parsed with the table's strict shape first, so a
 * writer cannot put a misspelt, missing or mistyped column into a file other packages read.
 */
export function appendRecordRows<Shape extends z.ZodRawShape>(dir: string, table: ContractTable<Shape>, rows: readonly RowOf<Shape>[]): void {
  appendParsed(dir, table, partialShape(table, null), rows);
}

/** Like `appendRecordRows`, for a writer that fills part of the table: `required` are the columns every row carries. */
export function appendPartialRecordRows<Shape extends z.ZodRawShape, Required extends ColumnOf<Shape>>(
  dir: string,
  table: ContractTable<Shape>,
  rows: readonly PartialRow<Shape, Required>[],
  required: readonly Required[],
): void {
  appendParsed(dir, table, partialShape(table, required), rows);
}

export interface ReadRecordOptions<Shape extends z.ZodRawShape> {
  /** Old column name → current one, for record files written before a rename. */
  formerNames?: Record<string, ColumnOf<Shape>>;
}

/**
 * The rows of `<dir>/<table>.jsonl` (none when the file does not exist), each parsed with the
 * table's shape; `required` names the columns every row must carry. A row that does not fit fails
 * with one line naming the file, the line and the column.
 */
export function readRecordRows<Shape extends z.ZodRawShape, Required extends ColumnOf<Shape>>(
  dir: string,
  table: ContractTable<Shape>,
  required: readonly Required[],
  options: ReadRecordOptions<Shape> = {},
): PartialRow<Shape, Required>[] {
  const file = recordFilePath(dir, table);
  const schema = partialShape(table, required);
  return readJsonlLines<Record<string, unknown>>(file).map(({ line, value }) => {
    const row = { ...value };
    for (const [former, current] of Object.entries(options.formerNames ?? {})) {
      if (former in row) {
        if (!(current in row)) row[current] = row[former];
        delete row[former];
      }
    }
    const parsed = schema.safeParse(row);
    if (!parsed.success) throw new RecordFileError(`${file}:${line}: ${describeIssues(parsed.error)}`);
    return parsed.data as PartialRow<Shape, Required>;
  });
}
