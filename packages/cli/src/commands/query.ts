import { UsageError } from "../errors.js";
import { formatCsv, formatTable } from "../table.js";
import { queryRows, readStore, resolveStore } from "../store.js";

export async function queryCommand(args: { sql: string; experiment?: string; store?: string; json?: boolean; csv?: boolean }): Promise<number> {
  const { file } = resolveStore(args);
  return readStore(file, async (store) => {
    let rows;
    try {
      rows = await queryRows(store, args.sql);
    } catch (error) {
      throw new UsageError(`query: ${(error as Error).message.split("\n")[0]}`);
    }
    if (args.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    else if (args.csv) process.stdout.write(formatCsv(rows) + "\n");
    else process.stdout.write(formatTable(rows, { maxWidth: 80 }) + `\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`);
    return 0;
  });
}
