import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (no bundled browser download). The flags keep it
 * from reaching out to Google services, so any request a page makes is one the page asked for.
 */
export const CHROMIUM = process.env.SERA_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set SERA_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export interface RenderedPage {
  /** data-chart id → number of vega mark groups and of drawn SVG items inside it. */
  charts: Record<string, { marks: number; items: number; rendered: boolean }>;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Every request that was not for a local file. */
  networkRequests: string[];
}

/** Opens a report's index.html, waits until every chart says it rendered, and screenshots the page. */
export async function openReport(browser: Browser, indexHtml: string, screenshot: string): Promise<RenderedPage> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  const networkRequests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("request", (request) => {
    if (!request.url().startsWith("file://")) networkRequests.push(request.url());
  });
  await page.goto(`file://${indexHtml}`);
  await page
    .waitForFunction(() => [...document.querySelectorAll("[data-chart]")].every((element) => element.getAttribute("data-rendered") === "true"), null, {
      timeout: 20_000,
    })
    .catch(() => undefined);
  const charts = await page.$$eval("[data-chart]", (elements) =>
    Object.fromEntries(
      elements.map((element) => [
        element.getAttribute("data-chart") as string,
        {
          marks: element.querySelectorAll("svg g.role-mark").length,
          items: element.querySelectorAll("svg g.role-mark path, svg g.role-mark line, svg g.role-mark text").length,
          rendered: element.getAttribute("data-rendered") === "true",
        },
      ]),
    ),
  );
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { charts, errors, networkRequests };
}

export interface RenderedNotebook {
  /** Text of each table the notebook's cells drew. */
  tables: string[];
  /** Drawn vega mark items (points, line segments) in the chart's SVG. */
  chartItems: number;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Requests for anything but the page's own origin (file:// for a page opened from disk). */
  outsideRequests: string[];
  /** Text of the stand-in banner the build puts on the page, or null when there is none. */
  standInBanner: string | null;
}

/** Opens the built runs notebook at `url`, waits for the chart's SVG marks, and screenshots the page. */
export async function openNotebook(browser: Browser, url: string, screenshot: string): Promise<RenderedNotebook> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const outsideRequests: string[] = [];
  const origin = url.startsWith("file://") ? "file://" : new URL(url).origin;
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("request", (request) => !request.url().startsWith(origin) && !request.url().startsWith("data:") && outsideRequests.push(request.url()));
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll("svg g.role-mark path").length > 0, null, { timeout: 20_000 }).catch(() => undefined);
  const tables = await page.$$eval("table.runs-table", (elements) => elements.map((table) => table.textContent ?? ""));
  const chartItems = await page.$$eval("svg g.role-mark path", (elements) => elements.length);
  const standInBanner = await page.$$eval(".sera-stand-in-banner", (elements) => (elements.length > 0 ? (elements[0].textContent ?? "") : null));
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { tables, chartItems, errors, outsideRequests, standInBanner };
}
