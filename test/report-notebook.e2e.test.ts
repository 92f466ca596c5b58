import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { writeSyntheticSweep } from "@sera/analysis";
import { withStore } from "@sera/core";
import { describe, expect, it } from "vitest";
import { launchChromium, openNotebook } from "./support/browser.js";
import { repoRoot, tempProject } from "./support/sera.js";

/**
 * notebooks/runs.html built offline with Observable Notebook Kit against a store, then opened in
 * headless Chromium twice: from disk (file://, where module scripts, stylesheets and fetch() of
 * neighbouring files are refused) and served from loopback.
 */
describe("the runs notebook", () => {
  it("builds offline against a store into one page that renders its tables and chart from disk and over HTTP, with no outside requests", async () => {
    const dir = tempProject();
    const sweep = await writeSyntheticSweep({ dir, conditions: ["plain", "tuned"], samples: [500, 1000, 2000], seeds: 2, instances: 5, repositories: 2 });
    const site = path.join(dir, "site");
    const built = spawnSync(process.execPath, [path.join(repoRoot, "notebooks/build.mjs"), "--store", sweep.storeFile, "--out", site], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(built.status, built.stderr).toBe(0);

    const types: Record<string, string> = { ".html": "text/html" };
    const server = createServer(async (request, response) => {
      const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://local").pathname);
      try {
        const body = await readFile(path.join(site, path.normalize(pathname)));
        response.writeHead(200, { "content-type": types[path.extname(pathname)] ?? "application/octet-stream" }).end(body);
      } catch {
        response.writeHead(pathname === "/favicon.ico" ? 204 : 404).end();
      }
    }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await launchChromium();
    try {
      for (const [where, url] of [
        ["disk", pathToFileURL(path.join(site, "runs.html")).href],
        ["http", `${origin}/runs.html`],
      ]) {
        const page = await openNotebook(browser, url, path.join(dir, `notebook-${where}.png`));
        expect(page.errors, where).toEqual([]);
        expect(page.outsideRequests, where).toEqual([]);
        // The chart: 12 run points plus the mean line's diamonds, drawn as SVG paths.
        expect(page.chartItems, where).toBeGreaterThanOrEqual(12);
        expect(page.tables, where).toHaveLength(3);
        expect(page.tables[0]).toContain("synthetic");
        // The status table: 2 conditions × 3 sizes × 2 seeds = 12 succeeded runs.
        expect(page.tables[0]).toContain("12");
        // Real-only data: no stand-in banner.
        expect(page.standInBanner, where).toBeNull();
      }
    } finally {
      await browser.close();
      server.close();
    }
    // Everything the page needs is inside it: nothing beside it to fetch.
    expect(readdirSync(site)).toEqual(["runs.html"]);
  });

  it("shows the stand-in banner above the cells when any run's rows came from a stand-in", async () => {
    const dir = tempProject();
    const sweep = await writeSyntheticSweep({ dir, conditions: ["plain"], samples: [500, 1000], seeds: 2, instances: 3, repositories: 1 });
    // One run's metrics as a stand-in reports them (what ingest writes when a metrics line says so).
    await withStore(sweep.storeFile, {}, async (store) => {
      await store.connection.run(`UPDATE run_metrics SET provenance = 'stand-in' WHERE run_id = (SELECT min(run_id) FROM run_metrics)`);
    });
    const site = path.join(dir, "site");
    const built = spawnSync(process.execPath, [path.join(repoRoot, "notebooks/build.mjs"), "--store", sweep.storeFile, "--out", site], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(built.status, built.stderr).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await openNotebook(browser, pathToFileURL(path.join(site, "runs.html")).href, path.join(dir, "notebook-stand-in.png"));
      expect(page.errors).toEqual([]);
      expect(page.standInBanner).toMatch(/^STAND-IN DATA: rows made by sera's stand-ins .*: run_metrics \d+ of \d+\. /);
      expect(page.tables).toHaveLength(3);
    } finally {
      await browser.close();
    }
  });
});
