/** Directory names that hold test code or fixtures in common ecosystems (`src/test/` in Java, `__tests__` in JS). */
const TEST_DIRECTORIES = new Set(["test", "tests", "__tests__", "testdata"]);

const TEST_FILE_PATTERNS: readonly RegExp[] = [
  /^test_.*\.py$/,
  /_tests?\.py$/,
  /^conftest\.py$/,
  /_test\.go$/,
  /\.(test|spec)\.[cm]?[jt]sx?$/,
  /_(test|spec)\.rb$/,
  /(Test|Tests|IT)\.(java|kt|scala)$/,
  /Tests?\.cs$/,
  /_test\.(rs|exs|dart|cc|cpp)$/,
];

/** Whether a repository path looks like test code by naming convention (never by content). */
export function isTestPath(file: string): boolean {
  const segments = file
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".");
  const base = segments.at(-1) ?? "";
  if (segments.slice(0, -1).some((dir) => TEST_DIRECTORIES.has(dir.toLowerCase()))) return true;
  return TEST_FILE_PATTERNS.some((pattern) => pattern.test(base));
}
