import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, withStore } from "@sera/core";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReport, writeSyntheticSweep, type BuiltReport, type SyntheticSweep } from "../src/index.js";
import { reproduceTable15, TABLE15_COLUMNS, TABLE15_ROWS } from "../src/paper/reproduction-tables.js";
import { paperBlocks } from "../src/report/section-blocks.js";

let dir: string;
let sweep: SyntheticSweep;
let built: BuiltReport;
let twoPricings: string;

/** The synthetic sweep with a second cost fit over the other condition and notes quoting computed figures. */
function withNotes(experiment: string, notes: string[]): string {
  const fits = experiment.replace(
    "  compare:\n",
    "    - { name: cost2, stage: train, x: cost, where: { condition: filtered }, fixedC: 70, compareTo: [{ baseline: reference }] }\n  compare:\n",
  );
  return `${fits.trimEnd()}\n  notes:\n${notes.map((note) => `    - ${JSON.stringify(note)}\n`).join("")}`;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sera-report-notes-"));
  sweep = await writeSyntheticSweep({ dir, conditions: ["plain", "filtered"], samples: [500, 1000, 2000, 4000], seeds: 3, instances: 12, repositories: 2 });
  twoPricings = path.join(dir, "two-cost-fits.yaml");
  writeFileSync(
    twoPricings,
    withNotes(readFileSync(sweep.experimentFile, "utf8"), [
      "The fit reaches the reference at {{fit.cost.reach.reference.usd}} ({{fit.cost.reach.reference.ratio:2}}× cheaper).",
      "Ledger of the first fit: {{cost.cost.usd}}.",
    ]),
  );
  built = await buildReport({ experimentFile: twoPricings, outDir: path.join(dir, "out"), png: false });
}, 120_000);

describe("notes quote computed figures", () => {
  it("a placeholder naming a computed figure renders that figure as the report computed it", () => {
    const reach = built.model.fits.find((fit) => fit.name === "cost")?.comparisons[0].result;
    if (!reach?.ourUsd || !reach.ratio) throw new Error("the synthetic cost fit should reach the reference");
    const usd = `$${Math.round(reach.ourUsd).toLocaleString("en-US")}`;
    const ratio = reach.ratio.toFixed(2);
    expect(built.model.notes[0]).toBe(`The fit reaches the reference at ${usd} (${ratio}× cheaper).`);
    expect(readFileSync(path.join(built.outDir, "report.md"), "utf8")).toContain(`The fit reaches the reference at ${usd} (${ratio}× cheaper).`);
    expect(built.model.notes[1]).toMatch(/^Ledger of the first fit: \$[\d,]+\.\d\d\.$/);
  });

  it("a misspelt placeholder fails the build with one line naming it and the note", async () => {
    const typo = path.join(dir, "typo.yaml");
    writeFileSync(typo, withNotes(readFileSync(sweep.experimentFile, "utf8"), ["Fine.", "At {{fit.cost.reach.refrence.usd}}."]));
    const error = await buildReport({ experimentFile: typo, outDir: path.join(dir, "typo-out"), png: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/typo\.yaml: report\.notes\[1\]: unknown figure \{\{fit\.cost\.reach\.refrence\.usd\}\}/);
    expect(message).toContain("fit.cost.reach.reference.usd");
    expect(message).not.toContain("\n");
  });

  it("an unclosed placeholder fails too", async () => {
    const broken = path.join(dir, "unclosed.yaml");
    writeFileSync(broken, withNotes(readFileSync(sweep.experimentFile, "utf8"), ["At {{fit.cost.reach.reference.usd."]));
    const error = await buildReport({ experimentFile: broken, outDir: path.join(dir, "unclosed-out"), png: false }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/report\.notes\[0\]: malformed placeholder \{\{fit\.cost/);
  });
});

describe("cost totals per cost fit", () => {
  it("gives one total per cost fit, equal to that fit's runs' ledger, and never their sum", async () => {
    const ledgerOf = (condition: string) =>
      withStore(sweep.storeFile, { readOnly: true }, async (store) => {
        const reader = await store.connection.runAndReadAll(
          `SELECT sum(c.usd) AS usd FROM cost_ledger c JOIN runs r ON r.id = c.run_id WHERE r.p_condition = '${condition}' AND r.stage = 'train'`,
        );
        return Number(reader.getRowObjects()[0].usd);
      });
    const [plain, filtered] = [await ledgerOf("plain"), await ledgerOf("filtered")];
    expect(plain).toBeGreaterThan(0);
    expect(filtered).toBeGreaterThan(0);
    const byFit = Object.fromEntries(built.model.overview.costByFit.map((row) => [String(row.fit), Number(row.usd)]));
    expect(byFit.cost).toBeCloseTo(plain, 6);
    expect(byFit.cost2).toBeCloseTo(filtered, 6);
    const markdown = readFileSync(path.join(built.outDir, "report.md"), "utf8");
    const money = (value: number) => `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    expect(markdown).toContain(`: ${money(plain)} (12 runs)`);
    expect(markdown).toContain(`: ${money(filtered)} (12 runs)`);
    expect(markdown).not.toContain(money(plain + filtered));
    expect(markdown).not.toContain("Total recorded cost");
    expect(readFileSync(path.join(built.outDir, "sql", "cost_by_fit.sql"), "utf8")).toContain("cost_ledger");
  });
});

describe("Table 15 marks inputs as inputs", () => {
  it("the vLLM inference price and SWE-smith's issue step are inputs; every other matching cell is computed", () => {
    const table = reproduceTable15();
    const inputs = table.flatMap((row, r) => row.cells.flatMap((cell, c) => (cell.input ? [`${TABLE15_COLUMNS[c].key}/${TABLE15_ROWS[r].key}`] : [])));
    expect(inputs.sort()).toEqual(["seraVllm/inferenceUsd", "sweSmithSonnet37/extraUsd"]);
    const blocks = paperBlocks({ table15: table, table11: [] });
    const caption = blocks.find((block) => block.kind === "paragraph");
    const rendered = blocks.find((block) => block.kind === "table");
    if (rendered?.kind !== "table") throw new Error("expected Table 15");
    const inference = rendered.rows.find((row) => row[0] === "Inference subtotal");
    expect(inference?.[4]).toBe("0.1307 (input)");
    expect(rendered.rows.find((row) => row[0] === "Issue creation")?.[1]).toBe("0.0540 (input)");
    expect(caption?.kind === "paragraph" && caption.text).toMatch(/\(input\) are figures the paper gives/);
  });
});
