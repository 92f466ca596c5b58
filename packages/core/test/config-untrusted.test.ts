import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadExperiment } from "../src/index.js";

/** Experiment text that tries to reach JavaScript's object machinery, exhaust the parser, or store a secret. */

function experimentFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-untrusted-"));
  const file = path.join(dir, "e.yaml");
  writeFileSync(file, text);
  return file;
}

const minimal = `
name: e
stages:
  train:
    kind: command
    params: { run: "echo hi" }
`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

afterEach(() => {
  // A failed guard would have left this on every object; clean it so one failure does not cascade.
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe("prototype keys", () => {
  it.each(["__proto__.polluted=1", "stages.train.__proto__.polluted=1", "stages.train.params.constructor.prototype.polluted=1", "prototype.polluted=1"])(
    "--set %s is an error naming --set, and pollutes nothing",
    (assignment) => {
      const error = configError(() => loadExperiment(experimentFile(minimal), { overrides: [assignment] }));
      expect(error.message).toMatch(/^--set: .*(__proto__|constructor|prototype).* is not allowed/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it("--set with a mapping value holding __proto__ is refused too", () => {
    const error = configError(() => loadExperiment(experimentFile(minimal), { overrides: ["stages.train.params.extra={__proto__: {polluted: 1}}"] }));
    expect(error.message).toMatch(/^--set: stages\.train\.params\.extra\.__proto__: /);
  });

  it.each(["__proto__", "constructor", "prototype"])("a YAML %s: key is an error naming the file and the path", (key) => {
    const file = experimentFile(`${minimal}  other:\n    kind: command\n    params:\n      ${key}:\n        polluted: 1\n`);
    const error = configError(() => loadExperiment(file));
    expect(error.message).toMatch(new RegExp(`e\\.yaml: stages\\.other\\.params\\.${key}: the key "${key}" is not allowed`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a YAML __proto__ in an extended parent names the parent file", () => {
    const child = experimentFile(`extends: parent.yaml\n${minimal}`);
    writeFileSync(path.join(path.dirname(child), "parent.yaml"), "executor:\n  __proto__: { retries: 9 }\n");
    expect(configError(() => loadExperiment(child)).message).toMatch(/parent\.yaml: executor\.__proto__: /);
  });
});

describe("YAML alias bombs", () => {
  it("refuses a billion-laughs file with one line naming it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const file = experimentFile(levels.join("\n") + "\n");
    const started = Date.now();
    const error = configError(() => loadExperiment(file));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(/e\.yaml: \(top level\): invalid YAML: .*alias/);
    expect(error.message.split("\n")).toHaveLength(1);
  });

  it("still accepts ordinary anchors and aliases", () => {
    const file = experimentFile(`name: e\nstages:\n  a: { kind: command, params: &d { run: "echo hi" } }\n  b: { kind: command, params: *d }\n`);
    expect(loadExperiment(file).config.stages.b.params).toEqual({ run: "echo hi" });
  });
});

describe("credentials in URLs", () => {
  const withEndpoint = (url: string) =>
    `${minimal}    params:\n      run: "echo hi"\n      endpoint: "${url}"\n`.replace(`    params: { run: "echo hi" }\n`, "");

  it.each([
    ["user and password", "https://alice:s3cr3t-pass@api.example.com/v1", "s3cr3t-pass"],
    ["a token as user name", "https://s3cr3t-token@api.example.com/v1", "s3cr3t-token"],
    ["an api_key query parameter", "https://api.example.com/v1?api_key=s3cr3t-key", "s3cr3t-key"],
    ["a token query parameter", "http://127.0.0.1:8000/v1?access_token=s3cr3t-tok&x=1", "s3cr3t-tok"],
  ])("refuses a URL with %s, naming the file and path, without printing the secret", (_, url, secret) => {
    const error = configError(() => loadExperiment(experimentFile(withEndpoint(url))));
    expect(error.message).toMatch(/e\.yaml: stages\.train\.params\.endpoint: the URL .* apiKeyEnv/);
    expect(error.message).not.toContain(secret);
  });

  it("names --set when the URL comes from the command line", () => {
    const error = configError(() => loadExperiment(experimentFile(minimal), { overrides: ["stages.train.params.endpoint=https://bob:hunter2@h.example/v1"] }));
    expect(error.message).toMatch(/^--set: stages\.train\.params\.endpoint: /);
    expect(error.message).not.toContain("hunter2");
  });

  it("accepts URLs without secrets and plain paths", () => {
    const file = experimentFile(withEndpoint("http://127.0.0.1:8000/v1?model=qwen"));
    expect(loadExperiment(file).config.stages.train.params.endpoint).toBe("http://127.0.0.1:8000/v1?model=qwen");
  });
});
