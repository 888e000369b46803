/**
 * Credential files whose lines name no secret with `=` or `:`: PostgreSQL's `.pgpass`
 * (`host:port:database:user:password`) and `.netrc` (`machine H login U password P`), as a probe,
 * a backup script or a config dump prints them. Host, database and user stay.
 *
 * Linear time: `.pgpass` lines are tried at the start of a line only, and a `.netrc` password
 * looks a bounded distance back on its own line for the words that make it one.
 */
import { REDACTED } from './values.js';

// host:port:database:user:password, `*` for any field but the password; "\:" escapes a colon.
const PGPASS_RE = /^([ \t]*[^:\s#][^:\s]*:(?:\d{1,5}|\*):[^:\s]+:(?:[^:\\\s]|\\.)+:)((?:[^:\\\n\r]|\\.)+)$/gm;
// `password P` in a .netrc entry: on a line of its own or after machine/login on the same one,
// and followed by the end of the line or the entry's next word (so "password reset for bob" stays).
const NETRC_PASSWORD_RE =
  /(?<![\w.-])(password[ \t]+)([^\s=:]\S*)(?=[ \t]*(?:$|[\n\r]|[ \t](?:machine|login|account|default|macdef)\b))/gm;
const NETRC_BEFORE_RE = /(?:^|[\n\r])[ \t]*(?:(?:machine|default|login|account)[ \t][^\n\r]*)?$/;
const LOOKBACK = 256;

export function redactCredentialFiles(text: string): string {
  let out = text;
  if (out.includes(':')) out = out.replace(PGPASS_RE, `$1${REDACTED}`);
  if (!out.includes('password')) return out;
  return out.replace(
    NETRC_PASSWORD_RE,
    (whole: string, keyword: string, _: string, at: number, all: string) => {
      const from = Math.max(0, at - LOOKBACK);
      const before = `${from === 0 ? '\n' : ''}${all.slice(from, at)}`;
      return NETRC_BEFORE_RE.test(before) ? `${keyword}${REDACTED}` : whole;
    },
  );
}
