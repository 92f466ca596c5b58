import { describe, expect, it } from "vitest";
import { buildDataset, datasetParamsSchema, datasetStage } from "../src/index.js";
import { datasetExecution, writeGenerationSource } from "./support/generation-source.js";

/**
 * The dataset `where` condition is parsed as one SQL expression and runs on a locked in-memory
 * DuckDB: real record files, real DuckDB, no stand-ins.
 */

const sourceId = "gen00000000000w1";
const source = writeGenerationSource(
  sourceId,
  [
    { instance: "w1", phase: "r1", steps: 2 }, // recorded steps count the submit too: 3, 9, 5
    { instance: "w2", phase: "r1", steps: 8 },
    { instance: "w3", phase: "r1", steps: 4 },
  ],
  ["w1", "w2", "w3"].map((instance) => ({ instance })),
);

const build = (where: string) => buildDataset(datasetExecution(sourceId, source, { where }).run);
/** How many rollouts the condition removed (other rules may drop more later). */
const removedBy = async (where: string) => (await build(where)).drops.find((drop) => drop.reason === "sql-predicate")?.count ?? 0;

async function failure(where: string): Promise<string> {
  try {
    await build(where);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`where ${JSON.stringify(where)} was accepted`);
}

describe("dataset where: one expression, not pasted SQL", () => {
  const attempts: [string, string, RegExp][] = [
    ["closing the parenthesis and adding a UNION", "1=1) UNION SELECT 'x', 'y', 'r1', 1 --", /not a valid SQL condition/],
    ["a UNION without parentheses", "1=1 UNION SELECT run_id, instance_id, phase, attempt FROM rollouts", /must be one condition/],
    ["a LIMIT after the condition", "steps < 100 LIMIT 1", /must be one condition/],
    ["an ORDER BY after the condition", "steps < 100 ORDER BY steps", /must be one condition/],
    ["a second statement", "true; SELECT 1", /a second statement is not allowed/],
    ["a DROP after ;", "true; DROP TABLE rollouts", /a second statement is not allowed|not a valid SQL condition/],
    ["read_text of a host file", "instance_id IN (SELECT content FROM read_text('/etc/passwd'))", /read_text\(\) are not allowed/],
    ["glob over host folders", "exists (SELECT 1 FROM glob('/etc/*'))", /glob\(\) are not allowed/],
    ["a settings table function", "instance_id IN (SELECT name FROM duckdb_settings())", /duckdb_settings\(\) are not allowed/],
    ["a table outside the records", "instance_id IN (SELECT name FROM information_schema.tables)", /not one of the record tables/],
  ];
  it.each(attempts)("refuses %s with one line naming params.where", async (_, where, problem) => {
    const message = await failure(where);
    expect(message.split("\n")).toHaveLength(1);
    expect(message.startsWith("params.where (")).toBe(true);
    expect(message).toMatch(problem);
  });

  it("keeps ordinary conditions working: comparisons, a trailing comment, subqueries over record tables", async () => {
    expect(await removedBy("steps <= 5 -- short ones")).toBe(1);
    expect(await removedBy("instance_id IN (SELECT instance_id FROM instances WHERE function = 'fn_w2')")).toBe(2);
    expect(await removedBy("exit_status = 'a;b' OR steps > 3")).toBe(1);
  });

  it("reports a DuckDB error in a well-formed condition on one line naming the field", async () => {
    expect(await failure("no_such_column > 1")).toMatch(/^params\.where \(no_such_column > 1\): .*no_such_column/);
  });
});

describe("dataset where: the plan-time check", () => {
  const check = (where: string) => datasetStage.check?.(datasetParamsSchema.parse({ where }), { stage: "dataset", upstreamStages: ["generate"] }) ?? null;

  it("refuses a statement end, but not a ';' inside a string literal or quoted name", () => {
    expect(check("steps < 3; DROP TABLE rollouts")).toMatchObject({ path: "where" });
    expect(check("exit_status = 'it''s; odd'; DROP TABLE rollouts")).toMatchObject({ path: "where" });
    expect(check("exit_status = 'unterminated; DROP TABLE rollouts")).toMatchObject({ path: "where" });
    expect(check("exit_status = 'a;b' OR \"phase\" = 'r1'")).toBeNull();
  });
});
