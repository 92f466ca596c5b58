import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, createSyntheticRepo, prepareSource, type Sandbox } from "../src/sandbox/index.js";
import { FileEditor } from "../src/tools/file-editor.js";
import { readLineWindow } from "../src/tools/large-file.js";

/**
 * An agent can make a 1 GiB file with one command; the editor runs in the
 * worker process beside every other rollout, so viewing such a file must read
 * only the part it shows. The files here are sparse: 1 GiB long, a few
 * kilobytes on disk.
 */

const GIB = 1024 * 1024 * 1024;
let workDir: string;
let sandbox: Sandbox;
let editor: FileEditor;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-editor-large-"));
  const repoPath = await createSyntheticRepo(5, workDir);
  const source = await prepareSource(repoPath, "HEAD", path.join(workDir, "cache"));
  sandbox = await createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap" });
  editor = new FileEditor(sandbox, { maxOutputChars: 4_000 });
  const lines = Array.from({ length: 1000 }, (_, index) => `line ${index + 1}`).join("\n");
  writeSparse("big.log", `${lines}\n`, GIB);
  writeSparse("zeros.bin", "", GIB);
  writeSparse("one-line.txt", "x".repeat(8 * 1024 * 1024), GIB);
});

afterAll(async () => {
  await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** A file that starts with `head` and is extended with a hole to `size` bytes. */
function writeSparse(name: string, head: string, size: number): void {
  const file = path.join(sandbox.hostPath, name);
  fs.writeFileSync(file, head);
  fs.truncateSync(file, size);
}

/** Runs `view` and reports how long it took and how far the process's peak memory rose. */
function measuredView(args: Parameters<FileEditor["run"]>[0]): { text: string; ms: number; peakRiseMiB: number } {
  const peakBefore = process.resourceUsage().maxRSS;
  const started = performance.now();
  const text = editor.run(args);
  const ms = performance.now() - started;
  return { text, ms, peakRiseMiB: (process.resourceUsage().maxRSS - peakBefore) / 1024 };
}

describe("the editor on a 1 GiB file", () => {
  it("views its beginning promptly without reading it into memory", () => {
    const { text, ms, peakRiseMiB } = measuredView({ command: "view", path: "/testbed/big.log" });
    const shownLines = text.split("\n");
    const lastShown = Number(/showing lines 1-(\d+)\./.exec(shownLines[0])?.[1]);
    expect(shownLines[0]).toBe(
      `/testbed/big.log is a large file (1.0 GiB); showing lines 1-${lastShown}. Use view_range for other parts, or grep -n / sed -n through bash to search it:`,
    );
    // As many whole lines as fit the output budget, none elided.
    expect(lastShown).toBeGreaterThan(200);
    expect(text.length).toBeLessThanOrEqual(4_000);
    expect(shownLines[1]).toBe("     1\tline 1");
    expect(shownLines.at(-1)).toBe(`${String(lastShown).padStart(6)}\tline ${lastShown}`);
    expect(ms).toBeLessThan(2_000);
    expect(peakRiseMiB).toBeLessThan(64);
  });

  it("shows a view_range window exactly", () => {
    const { text, peakRiseMiB } = measuredView({ command: "view", path: "/testbed/big.log", view_range: [10, 12] });
    expect(text).toBe(
      "/testbed/big.log is a large file (1.0 GiB); showing lines 10-12. Use view_range for other parts, or grep -n / sed -n through bash to search it:\n" +
        "    10\tline 10\n    11\tline 11\n    12\tline 12",
    );
    expect(peakRiseMiB).toBeLessThan(64);
  });

  it("refuses a window beyond what it scans, pointing to bash", () => {
    const { text, ms, peakRiseMiB } = measuredView({ command: "view", path: "/testbed/big.log", view_range: [5000, 5010] });
    expect(text).toBe(
      "Error: /testbed/big.log is 1.0 GiB, and line 5000 lies beyond its first 64.0 MiB, which is as far as str_replace_editor reads. " +
        "Use bash instead, e.g. sed -n '5000,5040p' /testbed/big.log",
    );
    expect(ms).toBeLessThan(2_000);
    expect(peakRiseMiB).toBeLessThan(64);
  });

  it("shows only the start of a line longer than the output budget", () => {
    const { text, peakRiseMiB } = measuredView({ command: "view", path: "/testbed/one-line.txt" });
    expect(text.startsWith("/testbed/one-line.txt is a large file (1.0 GiB); showing lines 1-1.")).toBe(true);
    expect(text.length).toBeLessThan(4_300);
    expect(peakRiseMiB).toBeLessThan(64);
  });

  it("refuses a large binary file after reading its first block", () => {
    const { text, ms } = measuredView({ command: "view", path: "/testbed/zeros.bin" });
    expect(text).toBe("Error: /testbed/zeros.bin looks like a binary file; it cannot be shown or edited here.");
    expect(ms).toBeLessThan(500);
  });

  it("refuses to edit it, pointing to bash", () => {
    for (const args of [
      { command: "str_replace" as const, path: "/testbed/big.log", old_str: "line 7\n", new_str: "seven\n" },
      { command: "insert" as const, path: "/testbed/big.log", insert_line: 1, new_str: "zero" },
    ]) {
      const { text, peakRiseMiB } = measuredView(args);
      expect(text).toBe(
        "Error: /testbed/big.log is 1.0 GiB, too large for str_replace_editor to edit (it edits files up to 4.0 MiB). " +
          "Change it through bash instead, e.g. with sed -i or a short script.",
      );
      expect(peakRiseMiB).toBeLessThan(64);
    }
    expect(fs.statSync(path.join(sandbox.hostPath, "big.log")).size).toBe(GIB);
  });
});

describe("readLineWindow", () => {
  it("counts lines to the end of a file it reads through, with or without a final newline", () => {
    const file = path.join(workDir, "small.txt");
    for (const [content, total] of [
      ["a\nb\nc\n", 3],
      ["a\nb\nc", 3],
      ["", 0],
      ["\n", 1],
    ] as const) {
      fs.writeFileSync(file, content);
      const window = readLineWindow(file, 1, -1, 1_000);
      expect(window.totalLines, JSON.stringify(content)).toBe(total);
      expect(window.reachedEnd).toBe(true);
      expect(window.lines).toEqual(content === "" ? [] : content.replace(/\n$/, "").split("\n"));
    }
  });

  it("reads lines across chunk boundaries", () => {
    const file = path.join(workDir, "wide.txt");
    const lines = Array.from({ length: 3000 }, (_, index) => `${index + 1}:${"w".repeat(1000)}`);
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    const window = readLineWindow(file, 1040, 1050, 1 << 20);
    expect(window.lines).toEqual(lines.slice(1039, 1050));
    expect(window.reachedEnd).toBe(false);
  });
});
