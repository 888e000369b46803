import { redact } from './text.js';

/**
 * Host text cut to fit a report line: redacted first, then put on one line, then cut to `max`
 * characters. Cutting first can drop what marks a secret - the "@" that ends a URL's password,
 * the quote that closes a value, a key's END line - and leave the secret bare for a redactor
 * that runs later.
 */
export function redactedExcerpt(text: string, max: number): string {
  const one = redact(text).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
