/**
 * Splits probe output into sections. The protocol (commands/probes/lib/common.sh):
 *   @@section NAME key=value ...   then the body lines
 *   @@error NAME reason=R key=value ...   then a detail line (what went wrong)
 * Values are percent-encoded by the script (space, %, = and newline), decoded here.
 */

export interface Section {
  kind: 'section' | 'error';
  name: string;
  attrs: Record<string, string>;
  /** Body text without the marker line; trailing blank line of the protocol removed. */
  body: string;
}

const MARKER = /^@@(section|error) (\S+)(.*)$/;

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseAttrs(rest: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const token of rest.trim().split(/\s+/)) {
    if (!token) continue;
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    attrs[token.slice(0, eq)] = decodeValue(token.slice(eq + 1));
  }
  return attrs;
}

export function splitSections(output: string): Section[] {
  const sections: Section[] = [];
  let current: { head: Omit<Section, 'body'>; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const lines = current.lines;
    // The marker is printed after a newline so it always starts a line even when the previous
    // command's output did not end in one; drop that separator again.
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    sections.push({ ...current.head, body: lines.join('\n') });
  };
  for (const line of output.split('\n')) {
    const m = MARKER.exec(line);
    if (m) {
      flush();
      current = {
        head: { kind: m[1] as Section['kind'], name: m[2]!, attrs: parseAttrs(m[3] ?? '') },
        lines: [],
      };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return sections;
}
