import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, startModelServer, vllmServeArgv } from "../src/index.js";

/** Alive and not a zombie (in containers an orphan's zombie may linger until init reaps it). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

describe("serving a checkpoint", () => {
  it("renders vLLM with the hermes tool parser, auto tool choice and the evaluation's context length", () => {
    const common = {
      checkpoint: "/runs/train/out/model",
      servedName: "sera-student",
      host: "127.0.0.1",
      port: 8123,
      tensorParallel: 1,
      enforceEager: true,
      seed: 2,
      extraArgs: [],
    };
    expect(vllmServeArgv({ ...common, maxModelLen: 32_768 }).join(" ")).toBe(
      "vllm serve /runs/train/out/model --served-model-name sera-student --host 127.0.0.1 --port 8123 --enable-auto-tool-choice --tool-call-parser hermes " +
        "--max-model-len 32768 --tensor-parallel-size 1 --dtype bfloat16 --enforce-eager --seed 2",
    );
    const long = vllmServeArgv({
      ...common,
      maxModelLen: 65_536,
      tensorParallel: 2,
      enforceEager: false,
      seed: null,
      extraArgs: ["--gpu-memory-utilization", "0.9"],
    });
    expect(long.slice(long.indexOf("--max-model-len"), long.indexOf("--max-model-len") + 2)).toEqual(["--max-model-len", "65536"]);
    expect(long).not.toContain("--enforce-eager");
    expect(long.slice(-2)).toEqual(["--gpu-memory-utilization", "0.9"]);
  });

  it("starts a server process, waits until /v1/models answers, and stops its whole process group", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-serve-"));
    const script = path.join(dir, "server.mjs");
    // A slow-starting server with a helper child process, like vLLM's engine workers.
    writeFileSync(
      script,
      `import http from "node:http"; import { spawn, } from "node:child_process"; import { writeFileSync } from "node:fs";
const helper = spawn("sleep", ["600"], { stdio: "ignore" }); writeFileSync(${JSON.stringify(path.join(dir, "helper.pid"))}, String(helper.pid));
setTimeout(() => http.createServer((req, res) => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ data: [{ id: "m" }] })); }).listen(Number(process.argv[2]), "127.0.0.1"), 400);
console.log("loading weights…");`,
    );
    const port = await freePort();
    const server = await startModelServer({
      shellCommand: `exec ${process.execPath} ${script} ${port}`,
      host: "127.0.0.1",
      port,
      logFile: path.join(dir, "server.log"),
      startupTimeoutSeconds: 20,
      signal: new AbortController().signal,
    });
    expect(server.baseURL).toBe(`http://127.0.0.1:${port}/v1`);
    expect(await (await fetch(`${server.baseURL}/models`)).json()).toEqual({ data: [{ id: "m" }] });
    const helper = Number(readFileSync(path.join(dir, "helper.pid"), "utf8"));
    expect(running(helper)).toBe(true);
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(running(helper)).toBe(false);
    expect(readFileSync(path.join(dir, "server.log"), "utf8")).toContain("loading weights…");
  });

  it("reports a server that dies before answering with its last output, and one that never answers", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-serve-"));
    const port = await freePort();
    const options = { host: "127.0.0.1", port, logFile: path.join(dir, "server.log"), signal: new AbortController().signal };
    await expect(
      startModelServer({ ...options, shellCommand: "echo 'ValueError: max_model_len 65536 > 40960'; exit 3", startupTimeoutSeconds: 20 }),
    ).rejects.toThrow(/the model server exited \(3\) before answering on http:\/\/127\.0\.0\.1:\d+\/v1; last output:\nValueError: max_model_len 65536 > 40960/);
    await expect(startModelServer({ ...options, shellCommand: "exec sleep 60", startupTimeoutSeconds: 1 })).rejects.toThrow(/did not answer on .* within 1 s/);
    expect(existsSync(options.logFile)).toBe(true);
  });
});
