/**
 * Drops the per-file sections of a `git diff` (made without --binary) that
 * describe binary files: they carry no hunks, only a "Binary files … differ"
 * line, and would not apply as text. A section starts at a line beginning with
 * `diff --git `; hunk content lines always start with ' ', '+', '-' or '\',
 * so such a line can only be a section header.
 */
export function patchWithoutBinaryFiles(patch: string): string {
  if (patch === "") return "";
  const sections = patch.split(/^(?=diff --git )/m);
  return sections.filter((section) => !isBinarySection(section)).join("");
}

function isBinarySection(section: string): boolean {
  for (const line of section.split("\n")) {
    if (line.startsWith("@@")) return false;
    if (line.startsWith("Binary files ") && line.endsWith(" differ")) return true;
  }
  return false;
}
