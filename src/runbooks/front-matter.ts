import { isNode, LineCounter, parseDocument } from 'yaml';

/**
 * A runbook file is `---`, YAML, `---`, then Markdown. Positions are reported as lines of the
 * whole file, so an operator can jump straight to the mistake.
 */
export interface FrontMatter {
  data: unknown;
  body: string;
  /** File line of the body's first line. */
  bodyLine: number;
  /** File line of the first YAML line. */
  firstLine: number;
  /** File line where a key path's value (or the nearest existing parent) starts. */
  lineOf: (path: readonly (string | number)[]) => number;
}

export type FrontMatterResult =
  | { ok: true; value: FrontMatter }
  | { ok: false; problems: { line: number; message: string }[] };

const FENCE = /^---[ \t]*$/;

export function splitFrontMatter(text: string): FrontMatterResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? '')) {
    return {
      ok: false,
      problems: [{ line: 1, message: 'must start with a "---" line opening the YAML front matter' }],
    };
  }
  const end = lines.findIndex((line, i) => i > 0 && FENCE.test(line));
  if (end < 0) {
    return {
      ok: false,
      problems: [
        { line: 1, message: 'the YAML front matter opened on line 1 is never closed by a "---" line' },
      ],
    };
  }
  const yamlText = lines.slice(1, end).join('\n');
  const rawBody = lines.slice(end + 1).join('\n');
  const body = rawBody.replace(/^\n+/, '');
  const bodyLine = end + 2 + (rawBody.length - body.length);
  const firstLine = 2;
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => counter.linePos(offset).line + firstLine - 1;
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((err) => ({
        line: lineAt(err.pos[0]),
        message: `YAML: ${err.message.split('\n')[0]}`,
      })),
    };
  }
  const lineOf = (path: readonly (string | number)[]): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineAt(node.range[0]);
    }
    return firstLine;
  };
  return { ok: true, value: { data: doc.toJS(), body, bodyLine, firstLine, lineOf } };
}
