import { parentPort, workerData } from "node:worker_threads";
import { unpackTexts, type PackedTexts } from "./packed-texts.js";
import { loadQwen3Counter, type Qwen3Engine } from "./tokens.js";

/** Worker side of Qwen3TokenPool: loads the tokenizer once, then answers count requests. */
interface CountRequest {
  id: number;
  packed: PackedTexts;
}

const port = parentPort;
if (!port) throw new Error("token-worker must run inside a worker thread");

const engine = (workerData as { engine: Qwen3Engine }).engine;
loadQwen3Counter(engine).then(
  (countOne) => {
    port.on("message", (request: CountRequest) => {
      try {
        port.postMessage({ id: request.id, counts: unpackTexts(request.packed).map((text) => countOne(text)) });
      } catch (error) {
        port.postMessage({ id: request.id, error: String(error) });
      }
    });
    port.postMessage({ ready: true });
  },
  (error: unknown) => port.postMessage({ ready: false, error: String(error) }),
);
