import { DuckDBTypeId, type DuckDBResultReader, type DuckDBType } from "@duckdb/node-api";

/**
 * Result rows as JSON values, with wide numbers as JSON numbers whenever that is exact.
 *
 * DuckDB's JSON rendering gives every BIGINT, HUGEINT and DECIMAL as a string, because a JS
 * number cannot hold all of them; so `count(*)` printed as `"0"`. Here an integer becomes a number
 * when it is a safe integer (|n| ≤ 2^53 − 1) and a DECIMAL when it has at most 15 significant
 * digits (a double keeps 15 decimal digits exactly); anything wider stays a string, so no value is
 * ever silently rounded.
 */

const SAFE_DECIMAL_DIGITS = 15;

function exactInteger(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) && /^-?\d+$/.test(text) ? value : text;
}

function exactDecimal(text: string): number | string {
  const digits = text.replace(/^-/, "").replace(".", "").replace(/^0+/, "");
  return digits.length <= SAFE_DECIMAL_DIGITS && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** Converts one JSON-rendered value of `type`; containers are walked so a list of counts prints as numbers too. */
export function exactJsonValue(value: unknown, type: DuckDBType): unknown {
  if (value === null || value === undefined) return value;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === "string" ? exactInteger(value) : value;
    case DuckDBTypeId.DECIMAL:
      return typeof value === "string" ? exactDecimal(value) : value;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return Array.isArray(value) ? value.map((item) => exactJsonValue(item, type.valueType)) : value;
    case DuckDBTypeId.STRUCT: {
      if (typeof value !== "object" || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
        const index = type.entryIndexes[name];
        out[name] = index === undefined ? item : exactJsonValue(item, type.entryTypes[index]);
      }
      return out;
    }
    default:
      return value;
  }
}

export function exactJsonRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  return (reader.getRowObjectsJson() as Record<string, unknown>[]).map((row) => {
    const out: Record<string, unknown> = {};
    names.forEach((name, i) => {
      out[name] = exactJsonValue(row[name], types[i]);
    });
    return out;
  });
}
