#!/usr/bin/env node
// Committed launcher so npm can link `sera` at install time, before the TypeScript is built.
import("../dist/main.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("sera: not built yet; run `npm run build` first\n");
    process.exit(2);
  }
  throw error;
});
