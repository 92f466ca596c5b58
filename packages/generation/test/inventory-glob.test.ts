import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlobs, globToRegExp } from "../src/inventory/glob.js";

const matches = (glob: string, path: string) => globToRegExp(glob).test(path);

describe("glob matcher", () => {
  it.each([
    ["**/tests/**", "tests/test_a.py", true],
    ["**/tests/**", "pkg/tests/unit/a.py", true],
    ["**/tests/**", "pkg/tests.py", false],
    ["**/tests/**", "pkg/mytests/a.py", false],
    ["**/test_*.py", "test_a.py", true],
    ["**/test_*.py", "a/b/test_.py", true],
    ["**/test_*.py", "a/contest_x.py", false],
    ["**/*_test.go", "cmd/main_test.go", true],
    ["**/*_test.go", "cmd/main_test.go.txt", false],
    ["**/*.min.js", "web/app.min.js", true],
    ["**/*.min.js", "web/appmin.js", false],
    ["src/*.py", "src/a.py", true],
    ["src/*.py", "src/sub/a.py", false],
    ["src/**/*.py", "src/a.py", true],
    ["src/**/*.py", "src/x/y/a.py", true],
    ["src/**", "src/x/y/a.py", true],
    ["src/**", "lib/src/a.py", false],
    ["a?.py", "ab.py", true],
    ["a?.py", "a/.py", false],
    ["[abc].py", "b.py", true],
    ["[!abc].py", "b.py", false],
    ["[!abc].py", "d.py", true],
    ["*.{ts,tsx}", "view.tsx", true],
    ["*.{ts,tsx}", "view.js", false],
    ["file(1)+.py", "file(1)+.py", true],
    ["file(1)+.py", "file1.py", false],
  ])("%s against %s → %s", (glob, path, expected) => {
    expect(matches(glob, path)).toBe(expected);
  });

  const segment = fc.stringMatching(/^[a-z0-9_.-]{1,8}$/);
  const folders = fc.array(segment, { maxLength: 5 });

  it("a leading **/ matches the rest under any number of folders", () => {
    fc.assert(
      fc.property(folders, segment, (prefix, name) => {
        expect(matches(`**/${name}`, [...prefix, name].join("/"))).toBe(true);
      }),
    );
  });

  it("* never crosses a folder boundary", () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 2, maxLength: 5 }), (parts) => {
        expect(matches("*", parts.join("/"))).toBe(false);
        expect(matches("*", parts[0])).toBe(true);
      }),
    );
  });

  it("a glob without wildcards matches exactly its own text", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9_.()+$^|-]{1,6}$/), { minLength: 1, maxLength: 4 }), segment, (parts, other) => {
        const path = parts.join("/");
        expect(matches(path, path)).toBe(true);
        fc.pre(other !== parts[parts.length - 1]);
        expect(matches(path, [...parts.slice(0, -1), other].join("/"))).toBe(false);
      }),
    );
  });

  it("compileGlobs matches when any glob matches", () => {
    const isSkipped = compileGlobs(["**/vendor/**", "**/*.pb.go"]);
    expect(isSkipped("x/vendor/y.go")).toBe(true);
    expect(isSkipped("api/a.pb.go")).toBe(true);
    expect(isSkipped("api/a.go")).toBe(false);
    expect(compileGlobs([])("anything")).toBe(false);
  });
});
