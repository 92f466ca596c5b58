import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import { defineCommand } from "../command.js";

function scaffold(name: string): string {
  return `# sera experiment file. Check it with: sera plan ${name}.yaml
name: ${name}
description: A sweep of command stages; replace the commands with your own scripts.

# Every run lands in this DuckDB file (paths are relative to where you run sera).
store: .sera/sera.duckdb
backend:
  kind: local
  concurrency: 2
executor:
  retries: 2            # extra attempts for retryable failures (timeouts, lost workers, exit code 75)
  backoffSeconds: 1     # doubles on each retry
  timeoutSeconds: 600

stages:
  prepare:
    kind: command
    seeded: false       # shared by every seed
    params:
      run: echo "preparing data" > {{out_dir}}/data.txt
      outputs: [data.txt]
  train:
    kind: command
    needs: [prepare]
    params:
      # {{name}} placeholders are shell-quoted; the same values arrive as SERA_PARAM_<NAME>.
      run: >-
        echo "{\\"loss\\": $(awk "BEGIN{print 1/({{lr}}*1000+{{seed}})}")}"
      lr: 0.001

sweep:
  grid:
    stages.train.params.lr: [0.001, 0.002]
  seeds: 2
`;
}

export async function initCommand(args: { file: string; name?: string; force?: boolean }): Promise<number> {
  const file = path.resolve(args.file.endsWith(".yaml") || args.file.endsWith(".yml") ? args.file : `${args.file}.yaml`);
  if (existsSync(file) && !args.force) throw new UsageError(`${file}: already exists; pass --force to overwrite it`);
  const name =
    args.name ??
    path
      .basename(file)
      .replace(/\.ya?ml$/, "")
      .replace(/[^A-Za-z0-9_-]/g, "-");
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
    throw new UsageError(`--name: ${JSON.stringify(name)} is not a valid experiment name (letters, digits, - or _, starting with a letter)`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, scaffold(name));
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), file)}\nnext: sera plan ${path.relative(process.cwd(), file)}   then: sera run ${path.relative(process.cwd(), file)}\n`,
  );
  return 0;
}

export const initCli = defineCommand(
  "init <file>",
  "write a commented experiment file to start from",
  (y) => y.positional("file", { type: "string", demandOption: true }).option("name", { type: "string" }).option("force", { type: "boolean" }),
  (a) => initCommand({ file: a.file, name: a.name, force: a.force }),
);
