// Lint rules the house style relies on; formatting is prettier's job (.prettierrc.json).
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Upstream fixtures are kept byte for byte; notebooks and reports are built artefacts.
  { ignores: ["**/dist/**", "**/node_modules/**", "fixtures/**", "notebooks/**", "reports/**", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      // Type-only imports vanish from the emitted JavaScript, so a reader sees which imports run code.
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Rules that need types run where a tsconfig covers the file: the packages' sources and the bench.
    files: ["packages/*/src/**/*.ts", "bench/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its error: the failure surfaces nowhere, or as a crash later.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
    },
  },
);
