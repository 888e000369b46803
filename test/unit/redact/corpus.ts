import { readFileSync } from 'node:fs';

export interface CorpusCase {
  /** Line of the case's first input line in the corpus file, for failure messages. */
  line: number;
  input: string;
  expected: string;
}

/** Text after a marker: "< x" is "x", a bare "<" an empty line. */
function body(line: string): string {
  return line.slice(2);
}

/** A corpus's cases, from test/fixtures/redact; see the header of corpus.txt for the format. */
export function loadCorpus(file = 'corpus.txt'): CorpusCase[] {
  const lines = readFileSync(new URL(`../../fixtures/redact/${file}`, import.meta.url), 'utf8').split('\n');
  const cases: CorpusCase[] = [];
  let input: string[] = [];
  let expected: string[] = [];
  let start = 0;
  const flush = () => {
    if (input.length === 0) return;
    if (expected.length === 0) throw new Error(`${file}:${start}: "<" lines without ">" lines`);
    cases.push({ line: start, input: input.join('\n'), expected: expected.join('\n') });
    input = [];
    expected = [];
  };
  for (const [i, line] of lines.entries()) {
    const marker = line[0];
    if (marker === '<') {
      if (expected.length > 0) flush();
      if (input.length === 0) start = i + 1;
      input.push(body(line));
    } else if (marker === '>') {
      expected.push(body(line));
    } else {
      flush();
      if (marker === '=') cases.push({ line: i + 1, input: body(line), expected: body(line) });
      else if (line !== '' && marker !== '#') throw new Error(`${file}:${i + 1}: unknown marker`);
    }
  }
  flush();
  return cases;
}
