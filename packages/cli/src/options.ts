/** Options several commands share, so each says the same thing everywhere. */

export const storeOptions = {
  store: { type: "string", describe: "DuckDB store file (default: the experiment's, $SERA_STORE, or .sera/sera.duckdb)" },
  experiment: { alias: "e", type: "string", describe: "experiment file whose store to read" },
} as const;

export const setOption = {
  set: { type: "string", array: true, describe: "override a value: --set stages.train.params.lr=0.01 (repeatable)" },
} as const;
