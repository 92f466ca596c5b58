/**
 * A small glob matcher over forward-slash paths, so skip and include rules need no dependency.
 * `**` as a whole segment spans zero or more folders, `*` and `?` stay inside one segment,
 * `[abc]`/`[!abc]` are character classes and `{a,b}` lists alternatives (not nested).
 * Dotfiles get no special treatment: `*` matches `.eslintrc` too.
 */
export function globToRegExp(glob: string): RegExp {
  const segments = glob.split("/");
  let source = "^";
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    if (segment === "**") {
      source += isLast ? ".*" : "(?:[^/]*/)*";
      return;
    }
    source += segmentSource(segment) + (isLast ? "" : "/");
  });
  return new RegExp(source + "$");
}

function segmentSource(segment: string): string {
  let out = "";
  let i = 0;
  while (i < segment.length) {
    const ch = segment[i];
    if (ch === "*") {
      // Consecutive stars inside a segment mean the same as one.
      while (segment[i + 1] === "*") i++;
      out += "[^/]*";
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "[") {
      const close = segment.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
      } else {
        let body = segment.slice(i + 1, close);
        const negated = body.startsWith("!") || body.startsWith("^");
        if (negated) body = body.slice(1);
        out += `[${negated ? "^/" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
        i = close;
      }
    } else if (ch === "{") {
      const close = segment.indexOf("}", i + 1);
      if (close === -1) {
        out += "\\{";
      } else {
        const options = segment
          .slice(i + 1, close)
          .split(",")
          .map(segmentSource);
        out += `(?:${options.join("|")})`;
        i = close;
      }
    } else {
      out += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    i++;
  }
  return out;
}

/** Compiles a list of globs once; `matches` is true when any of them matches the path. */
export function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.map(globToRegExp);
  return (path) => patterns.some((pattern) => pattern.test(path));
}
