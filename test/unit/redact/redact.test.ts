import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../../../src/redact/redact.js';
import { loadCorpus } from './corpus.js';

const cases = loadCorpus();
const positives = cases.filter((c) => c.input !== c.expected);
const negatives = cases.filter((c) => c.input === c.expected);
const label = (c: { line: number; input: string }) => `corpus.txt:${c.line} ${c.input.slice(0, 70)}`;

describe('redact: the corpus', () => {
  it('has cases of both kinds', () => {
    expect(positives.length).toBeGreaterThan(80);
    expect(negatives.length).toBeGreaterThan(60);
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

describe('redact: what is kept and what is not', () => {
  it('keeps the user, host, port, path and query of a URL with credentials', () => {
    expect(redact('mysql://shop:Sh0p!2026@db-1.internal:3306/shop?charset=utf8mb4')).toBe(
      `mysql://shop:${REDACTED}@db-1.internal:3306/shop?charset=utf8mb4`,
    );
  });

  it('masks a quoted value that is not closed on its line up to the end of the line only', () => {
    expect(redact('password: "hunter2\nnext: line')).toBe(`password: "${REDACTED}\nnext: line`);
  });

  it('masks a bracketed logfmt value without eating the bracket', () => {
    expect(redact('[user=bob password=hunter2] login')).toBe(`[user=bob password=${REDACTED}] login`);
  });

  it('returns the same string when there is nothing to mask', () => {
    const text = 'WARNING: [pool www] server reached pm.max_children setting (5), consider raising it';
    expect(redact(text)).toBe(text);
    expect(redact('')).toBe('');
  });

  it('masks every secret in an env dump read from /proc/PID/environ (NUL-separated)', () => {
    const environ = ['PATH=/usr/bin', 'DB_PASSWORD=a b c', 'API_TOKEN=tk_1234abcd', 'PWD=/srv'].join('\0');
    expect(redact(environ)).toBe(
      ['PATH=/usr/bin', `DB_PASSWORD=${REDACTED}`, `API_TOKEN=${REDACTED}`, 'PWD=/srv'].join('\0'),
    );
  });

  it('masks the values of a php -i line, local and master', () => {
    expect(redact('mysql.default_password => hunter2 => hunter2')).toBe(
      `mysql.default_password => ${REDACTED} => ${REDACTED}`,
    );
  });
});

describe('redact: linear time on large inputs', () => {
  // Each input would take minutes with a backtracking pattern (a lazy `[\s\S]*?` per BEGIN, an
  // unanchored `\w*password`); here each must finish well inside the test timeout.
  const MB5 = 5 * 1024 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB5 / unit.length)).slice(0, MB5);
  const corpusText = `${cases.map((c) => c.input).join('\n')}\n`;
  const hostile: Record<string, string> = {
    'one word character run': fill('a'),
    'a name with no separator': fill('password'),
    'names and separators without values': fill('"password": "'),
    'unclosed brackets after names': fill('env['),
    'JWT-like runs': fill('eyJ-'),
    'schemes without credentials': fill('a://'),
    'a URL password with no @': `mysql://u:${fill('p')}`,
    'BEGIN lines without END': fill('-----BEGIN PRIVATE KEY-----\n'),
    'token prefixes': fill('xoxb-'),
    'Bearer words': fill('Bearer '),
    'directives without values': fill('set $'),
    'php -i arrows': fill('pw => '),
    'one long line of spaces before a name': `${fill(' ')}password=x`,
  };

  it('redacts a 5 MB log of realistic lines, each as it would be alone', () => {
    const repeats = Math.ceil(MB5 / corpusText.length);
    const expected = `${cases.map((c) => c.expected).join('\n')}\n`;
    expect(redact(corpusText.repeat(repeats))).toBe(expected.repeat(repeats));
  });

  it.each(Object.entries(hostile))('finishes on 5 MB of %s', (_, text) => {
    expect(redact(text).length).toBeGreaterThan(0);
  });
});
