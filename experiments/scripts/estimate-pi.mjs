// Demo workload for experiments/demo.yaml: a seeded Monte Carlo estimate of pi.
// It reads its parameters from the environment sera provides and prints JSON lines,
// which sera records as metrics (numbers) and cost-ledger lines (the "cost" key).
import { writeFileSync } from "node:fs";
import path from "node:path";

const samples = Number(process.env.SERA_PARAM_SAMPLES);
const seed = Number(process.env.SERA_SEED);
let state = (seed * 2654435761) >>> 0 || 1;
const random = () => {
  // xorshift32: small, seeded, identical on every machine
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 2 ** 32;
};
const started = process.hrtime.bigint();
let inside = 0;
for (let i = 1; i <= samples; i++) {
  const x = random();
  const y = random();
  if (x * x + y * y <= 1) inside++;
  if (i % Math.ceil(samples / 4) === 0) console.log(JSON.stringify({ step: i, estimate: (4 * inside) / i }));
}
const estimate = (4 * inside) / samples;
const cpuSeconds = Number(process.hrtime.bigint() - started) / 1e9;
writeFileSync(path.join(process.env.SERA_OUT_DIR, "estimate.json"), JSON.stringify({ samples, seed, estimate }) + "\n");
console.log(JSON.stringify({ estimate, abs_error: Math.abs(estimate - Math.PI) }));
console.log(JSON.stringify({ cost: { kind: "cpu_seconds", quantity: cpuSeconds, unit: "s", unit_price: 0.00001 } }));
