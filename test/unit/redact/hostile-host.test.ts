import { describe, expect, it } from 'vitest';
import { redact } from '../../../src/redact/redact.js';
import { loadCorpus } from './corpus.js';

// Lines a hostile production host really prints, with a secret in each positive: command lines
// from ps, PHP stack traces with arguments, indented keys, cookies, DSNs, credential files, hashes.
const FILE = 'hostile-host.txt';
const cases = loadCorpus(FILE);
const positives = cases.filter((c) => c.input !== c.expected);
const negatives = cases.filter((c) => c.input === c.expected);
const label = (c: { line: number; input: string }) => `${FILE}:${c.line} ${c.input.slice(0, 70)}`;
const lineCount = (text: string) => text.split('\n').length;

describe('redact: a hostile host corpus', () => {
  it('holds at least 120 secret-bearing lines, and lines that must stay', () => {
    expect(positives.reduce((n, c) => n + lineCount(c.input), 0)).toBeGreaterThanOrEqual(120);
    expect(negatives.length).toBeGreaterThan(30);
  });

  it.each(positives.map((c) => [label(c), c] as const))('masks %s', (_, c) => {
    expect(redact(c.input)).toBe(c.expected);
  });

  it.each(negatives.map((c) => [label(c), c] as const))('leaves alone %s', (_, c) => {
    expect(redact(c.input)).toBe(c.input);
  });

  it('gives the same result for the corpus as one text as line by line', () => {
    const input = cases.map((c) => c.input).join('\n');
    expect(redact(input)).toBe(cases.map((c) => c.expected).join('\n'));
  });

  it('is idempotent: redacted text comes out unchanged', () => {
    for (const c of cases) expect(redact(c.expected), label(c)).toBe(c.expected);
  });
});
