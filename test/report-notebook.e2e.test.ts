import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { writeSyntheticSweep } from "@sera/analysis";
import { describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";
import { repoRoot, tempProject } from "./support/sera.js";

/**
 * notebooks/runs.html built offline with Observable Notebook Kit against a store, then served
 * from loopback (module scripts do not load from file://) and opened in headless Chromium.
 */
describe("the runs notebook", () => {
  it("builds offline against a store and renders its tables and chart with no outside requests", async () => {
    const dir = tempProject();
    const sweep = await writeSyntheticSweep({ dir, conditions: ["plain", "tuned"], samples: [500, 1000, 2000], seeds: 2, instances: 5, repositories: 2 });
    const site = path.join(dir, "site");
    const built = spawnSync(process.execPath, [path.join(repoRoot, "notebooks/build.mjs"), "--store", sweep.storeFile, "--out", site], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
    expect(built.status, built.stderr).toBe(0);

    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".woff2": "font/woff2" };
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
      const page = await browser.newPage();
      const errors: string[] = [];
      const outside: string[] = [];
      page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("request", (request) => !request.url().startsWith(origin) && outside.push(request.url()));
      await page.goto(`${origin}/runs.html`);
      await page.waitForFunction(() => document.querySelectorAll("svg g.role-mark path").length > 0, null, { timeout: 20_000 });
      const tables = await page.$$eval("table.runs-table", (elements) => elements.map((table) => table.textContent ?? ""));
      expect(tables[0]).toContain("synthetic");
      // The status table: 2 conditions × 3 sizes × 2 seeds = 12 succeeded runs.
      expect(tables[0]).toContain("12");
      expect(tables).toHaveLength(3);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      await page.screenshot({ path: path.join(dir, "notebook.png"), fullPage: true });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
