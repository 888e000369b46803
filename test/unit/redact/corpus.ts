import { readFileSync } from 'node:fs';

export interface CorpusCase {
  /** Line of the case's first input line in the corpus file, for failure messages. */
  line: number;
  input: string;
  expected: string;
}

const CORPUS = new URL('../../fixtures/redact/corpus.txt', import.meta.url);

/** Text after a marker: "< x" is "x", a bare "<" an empty line. */
function body(line: string): string {
  return line.slice(2);
}

/** The corpus's cases; see the header of corpus.txt for the format. */
export function loadCorpus(): CorpusCase[] {
  const lines = readFileSync(CORPUS, 'utf8').split('\n');
  const cases: CorpusCase[] = [];
  let input: string[] = [];
  let expected: string[] = [];
  let start = 0;
  const flush = () => {
    if (input.length === 0) return;
    if (expected.length === 0) throw new Error(`corpus.txt:${start}: "<" lines without ">" lines`);
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
      else if (line !== '' && marker !== '#') throw new Error(`corpus.txt:${i + 1}: unknown marker`);
    }
  }
  flush();
  return cases;
}
