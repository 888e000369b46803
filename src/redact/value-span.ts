/**
 * Finding the extent of the value that follows a secret name, in any of the syntaxes configs,
 * env dumps and logs use. Every scan is forward-only, stops at the end of the line and is
 * remembered for the pass (value-ends.ts), so the whole redaction stays linear in the input.
 */
import type { SecretKind } from './keys.js';
import type { ValueEnds } from './value-ends.js';
import { isHarmless, looksRandom, MAX_HARMLESS, VARIABLE_RE } from './values.js';

export interface ValueRules {
  kind: SecretKind;
  /** Keep the auth scheme word: `Authorization: Bearer [redacted]`. */
  authScheme: boolean;
  /** An unquoted value runs to the end of the line (env dumps, ini, YAML), not to the next space. */
  wholeLine: boolean;
  /** `$name` is a variable, not a value (nginx, FPM env[], PHP source). */
  variables: boolean;
}

export interface Span {
  start: number;
  end: number;
}

const QUOTES = ['\\"', "\\'", '"', "'", '`'];
const SCHEMES = new Set([
  'basic',
  'bearer',
  'digest',
  'token',
  'negotiate',
  'ntlm',
  'bot',
  'oauth',
  'apikey',
  'aws4-hmac-sha256',
]);

/** The part of the value at `start` to mask, or undefined when there is nothing secret there. */
export function secretSpan(ends: ValueEnds, start: number, rules: ValueRules): Span | undefined {
  const text = ends.text;
  const quote = QUOTES.find((q) => text.startsWith(q, start));
  let from = quote ? start + quote.length : start;
  if (rules.authScheme) from = afterScheme(text, from);
  let end: number;
  if (quote) {
    end = ends.quoted(from, quote);
    // A quote not closed on its line: the value runs to the end of the line, spaces trimmed.
    if (!ends.closed(end, quote)) end = trimEnd(text, from, end);
  } else end = rules.wholeLine ? trimEnd(text, from, ends.line(from)) : ends.bare(from);
  const value = text.slice(from, end);
  if (isHarmless(value) || value.startsWith('=')) return undefined;
  if (rules.variables && value.length <= MAX_HARMLESS && VARIABLE_RE.test(value)) return undefined;
  if (rules.kind === 'entropy' && !looksRandom(value)) return undefined;
  return { start: from, end };
}

function afterScheme(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < 20 && /[A-Za-z0-9-]/.test(text[i] ?? '')) i++;
  if (!SCHEMES.has(text.slice(from, i).toLowerCase()) || (text[i] !== ' ' && text[i] !== '\t')) return from;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

function trimEnd(text: string, from: number, end: number): number {
  let e = end;
  while (e > from && (text[e - 1] === ' ' || text[e - 1] === '\t')) e--;
  return e;
}
