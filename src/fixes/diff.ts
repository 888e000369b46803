/**
 * A plan's changes as a unified diff, one per file, applicable with `patch -p0` (paths are
 * absolute, as on the host). Hunks carry no context lines (`diff -U0`): only the directive lines
 * left the host, and a line next to one may hold a secret. The reasons go before each file's
 * header, where patch skips text.
 */
import type { ConfigChange } from './plan.js';

export interface FilePatch {
  path: string;
  diff: string;
  /**
   * The sha256 of the file the diff was computed from, as discovery read it: apply-config writes
   * nothing unless the file still has it. Absent when the host had no sha256sum.
   */
  sha256?: string;
}

/** Where a change lands in the old file: replacing line L sorts at L, adding after A at A + 0.5. */
const position = (c: ConfigChange) => ('line' in c.at ? c.at.line : c.at.after + 0.5);

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

export function fileDiff(path: string, changes: readonly ConfigChange[]): string {
  const ordered = [...changes].sort((a, b) => position(a) - position(b));
  const out: string[] = [];
  for (const c of ordered) out.push(`# ${c.scope} ${c.directive}: ${c.reasons.join('; ')}`);
  out.push(`--- ${path}`, `+++ ${path}`);
  let shift = 0;
  for (let i = 0; i < ordered.length; i++) {
    const c = ordered[i]!;
    if ('line' in c.at) {
      out.push(`@@ -${c.at.line} +${c.at.line + shift} @@`, `-${c.at.oldText}`, `+${c.newText}`);
      continue;
    }
    // Every addition after the same line is one hunk, in plan order.
    const after = c.at.after;
    const added = [c.newText];
    while (i + 1 < ordered.length) {
      const next = ordered[i + 1]!;
      if ('line' in next.at || next.at.after !== after) break;
      added.push(next.newText);
      i++;
    }
    out.push(`@@ -${after},0 +${range(after + shift + 1, added.length)} @@`, ...added.map((t) => `+${t}`));
    shift += added.length;
  }
  return `${out.join('\n')}\n`;
}

/** `sha256Of`: a file's fingerprint as discovery read it. */
export function planDiffs(
  changes: readonly ConfigChange[],
  sha256Of: (path: string) => string | undefined = () => undefined,
): FilePatch[] {
  const byFile = new Map<string, ConfigChange[]>();
  for (const c of changes) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  return [...byFile].map(([path, cs]) => {
    const sha256 = sha256Of(path);
    return { path, diff: fileDiff(path, cs), ...(sha256 ? { sha256 } : {}) };
  });
}
