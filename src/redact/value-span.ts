/**
 * Finding the extent of the value that follows a secret name, in any of the syntaxes configs,
 * env dumps and logs use. Every scan is forward-only and stops at the end of the line, so the
 * whole redaction stays linear in the input.
 */
import type { SecretKind } from './keys.js';
import { isHarmless, looksRandom, VARIABLE_RE } from './values.js';

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
// Where an unquoted value ends mid-line: `?token=x&user=y`, `(using password: YES)`, `{a=b}`.
// "]" ends a value only outside brackets it opened: `[password=x]` but `AKIA[redacted]%2F...`.
const BARE_END = new Set([...' \t\n\r\0"\'`,;&|(){}<>']);
const LINE_END = new Set(['\n', '\r', '\0']);
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
export function secretSpan(text: string, start: number, rules: ValueRules): Span | undefined {
  const quote = QUOTES.find((q) => text.startsWith(q, start));
  let from = quote ? start + quote.length : start;
  if (rules.authScheme) from = afterScheme(text, from);
  const end = quote
    ? closingQuote(text, from, quote)
    : rules.wholeLine
      ? trimEnd(text, from, scanUntil(text, from, LINE_END))
      : bareEnd(text, from);
  const value = text.slice(from, end);
  if (isHarmless(value) || value.startsWith('=')) return undefined;
  if (rules.variables && VARIABLE_RE.test(value)) return undefined;
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

/** Index of the closing quote on the same line (backslash escapes skipped), else the line's end. */
function closingQuote(text: string, from: number, quote: string): number {
  const escapedQuote = quote.length === 2;
  let i = from;
  while (i < text.length && !LINE_END.has(text[i] ?? '')) {
    if (text.startsWith(quote, i)) return i;
    if (text[i] === '\\' && !escapedQuote && !LINE_END.has(text[i + 1] ?? '')) i += 2;
    else i++;
  }
  return trimEnd(text, from, Math.min(i, text.length));
}

function scanUntil(text: string, from: number, stops: ReadonlySet<string>): number {
  let i = from;
  while (i < text.length && !stops.has(text[i] ?? '')) i++;
  return i;
}

function bareEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  for (; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (BARE_END.has(ch)) break;
    if (ch === '[') depth++;
    else if (ch === ']' && depth-- === 0) break;
  }
  return i;
}

function trimEnd(text: string, from: number, end: number): number {
  let e = end;
  while (e > from && (text[e - 1] === ' ' || text[e - 1] === '\t')) e--;
  return e;
}
