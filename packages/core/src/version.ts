import { readFileSync } from "node:fs";

/** The toolkit version, read from this package's package.json so there is one place to bump it. */
export const SERA_VERSION: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
