import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * `Authorization: Bearer <token>` against the configured token, in constant time: both sides are
 * hashed first, so neither the token's characters nor its length leak through timing.
 */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== 'string') return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  const given = m?.[1] ?? '';
  // Compared even when malformed, so a missing scheme costs the same as a wrong token.
  return timingSafeEqual(digest(given), digest(token)) && given !== '';
}
