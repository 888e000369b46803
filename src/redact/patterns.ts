/**
 * Secrets recognisable by their shape alone, wherever they appear: credentials in URLs, vendor
 * tokens with a fixed prefix, JWTs, bearer tokens. The prefix that says what the secret was is
 * kept (`xoxb-[redacted]`, `AKIA[redacted]`): an engineer can tell which credential leaked.
 *
 * Each pattern starts with a lookbehind for its own alphabet, so a long run of token characters is
 * tried from its start only: no pattern can go quadratic on a hostile or huge input.
 */
import { looksRandom, REDACTED } from './values.js';

interface Shape {
  re: RegExp;
  /** The replacement; `$1`... keep the captured parts that are not secret. */
  to: string | ((match: string, ...groups: string[]) => string);
}

// Sentry's ingest hosts (sentry.io, o1.ingest.us.sentry.io) and self-hosted ones (sentry.example.com).
const SENTRY_HOST_RE = /(?:^|[.-])sentry(?:$|[.-])/i;
// The base64 alphabet of crypt(3) hashes.
const CRYPT = '[./A-Za-z0-9]';

const SHAPES: readonly Shape[] = [
  // scheme://user:password@host and scheme://:password@host; the password runs to the last "@"
  // before the path, since unencoded "@" in passwords is common in hand-written DSNs.
  // A user that looks random is a key too (`https://TOKEN:x-oauth-basic@github.com`).
  {
    re: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s:@/?#"'<>]*)(:)[^\s/?#"'<>]+(@)/g,
    to: (_, scheme: string, user: string, colon: string, at: string) =>
      `${scheme}${looksRandom(user) ? REDACTED : user}${colon}${REDACTED}${at}`,
  },
  // A URL cut short before its "@" (ps lines cut at 400 characters on the host, a log's line
  // limit): what follows "user:" and runs to the cut is not a port, so it is the password.
  {
    re: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:@/?#"'<>[\]]+:)([^\s/?#"'<>@]+)(?=$|[\s"'<>])/g,
    to: (whole, kept: string, rest: string) =>
      /^\d*$/.test(rest) || rest === REDACTED ? whole : `${kept}${REDACTED}`,
  },
  // DSNs whose secret is the user part: `https://KEY@o1.ingest.sentry.io/1` (Sentry's user is its
  // key whatever it looks like), `https://TOKEN@github.com`. An ordinary user (`https://git@host`,
  // `ssh://deploy@web-1`) does not look random and stays.
  {
    re: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s:@/?#"'<>[\]]{1,512})(?=@([A-Za-z0-9.-]{0,253}))/g,
    to: (whole, scheme: string, user: string, host: string) =>
      user !== REDACTED && (looksRandom(user) || SENTRY_HOST_RE.test(host)) ? `${scheme}${REDACTED}` : whole,
  },
  // Slack incoming webhooks: the last path part is the secret; team and bot ids are not.
  {
    re: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/(?:[A-Za-z0-9_-]{1,40}\/){1,3})[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_/-])/g,
    to: `$1${REDACTED}`,
  },
  // Slack tokens: bot, user, app-level, refresh and configuration tokens.
  { re: /(?<![A-Za-z0-9.-])(xox[abeoprs](?:\.xox[abeoprs])?|xapp)-[A-Za-z0-9-]{6,}/g, to: `$1-${REDACTED}` },
  // GitHub, GitLab, npm, Stripe, Google, OpenAI-style, SendGrid.
  { re: /(?<![A-Za-z0-9_])(gh[pousr]_)[A-Za-z0-9]{20,}/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_])(github_pat_)[A-Za-z0-9_]{20,}/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_-])(glpat-)[A-Za-z0-9_-]{20,}/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_])(npm_)[A-Za-z0-9]{36,}/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_])([rsp]k_(?:live|test)_)[A-Za-z0-9]{16,}/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_-])(AIza)[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_-])(sk-(?:proj-|ant-)?)[A-Za-z0-9_-]{32,}/g, to: `$1${REDACTED}` },
  { re: /(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, to: REDACTED },
  // AWS access key ids (long-term AKIA, temporary ASIA).
  { re: /(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, to: `$1${REDACTED}` },
  // JWTs: a JSON header and payload ("eyJ" is base64 for '{"'), signature optional (alg none).
  { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, to: REDACTED },
  // A bearer token without a header name ("curl -H 'Bearer x'", "using Bearer x"). Ordinary
  // words after "Bearer" stay: a token has a digit, or is long.
  {
    re: /(?<![A-Za-z0-9_-])([Bb]earer[ \t]+)(?=[A-Za-z0-9._~+/-]*[0-9]|[A-Za-z0-9._~+/-]{20})[A-Za-z0-9._~+/-]{8,}=*/g,
    to: `$1${REDACTED}`,
  },
  // Password hashes (shadow, htpasswd, password_hash(), database dumps): a hash can be cracked
  // offline, so only its kind stays: `$6$[redacted]`, `$2y$[redacted]`, `{SHA}[redacted]`.
  {
    re: new RegExp(
      `(?<![\\w$])(\\$(?:1|5|6|apr1)\\$)(?:rounds=\\d+\\$)?${CRYPT}{1,16}\\$${CRYPT}{22,86}(?!${CRYPT})`,
      'g',
    ),
    to: `$1${REDACTED}`,
  },
  {
    re: new RegExp(`(?<![\\w$])(\\$2[abxy]?\\$)\\d\\d\\$${CRYPT}{53}(?!${CRYPT})`, 'g'),
    to: `$1${REDACTED}`,
  },
  {
    re: new RegExp(`(?<![\\w$])(\\$(?:y|gy|7)\\$)${CRYPT}+\\$(?:${CRYPT}+\\$)?${CRYPT}{43}(?!${CRYPT})`, 'g'),
    to: `$1${REDACTED}`,
  },
  {
    re: /(?<![\w$])(\$argon2(?:id|i|d)\$)(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+/g,
    to: `$1${REDACTED}`,
  },
  {
    re: /(?<![\w}])(\{(?:S?SHA(?:256|384|512)?|S?MD5|CRYPT|PBKDF2(?:-SHA\d+)?|ARGON2)\})[A-Za-z0-9+/=.$,:-]{8,}/gi,
    to: `$1${REDACTED}`,
  },
  // An htpasswd line with a DES crypt(3) hash (`htpasswd -d`): 13 characters of its alphabet,
  // mixed case and digits, alone after the user on its line.
  {
    re: /^([ \t]*[A-Za-z_][\w.@-]{0,63}:)(?=[./0-9A-Za-z]{0,12}[A-Z])(?=[./0-9A-Za-z]{0,12}[a-z])(?=[./0-9A-Za-z]{0,12}[0-9./])[./0-9A-Za-z]{13}$/gm,
    to: `$1${REDACTED}`,
  },
  // MySQL's native password hash (`IDENTIFIED BY PASSWORD '*6BB4...'`, mysql.user dumps).
  { re: /(?<![\w*])\*[0-9A-Fa-f]{40}(?![0-9A-Za-z])/g, to: `*${REDACTED}` },
  // SQL that sets a password, in a process list, the general log or a migration's output:
  // `IDENTIFIED BY 'x'`, `SET PASSWORD = PASSWORD('x')`, PostgreSQL's `WITH PASSWORD 'x'`.
  {
    re: /(?<![\w"'])((?:IDENTIFIED(?:[ \t]+WITH[ \t]+['"]?\w+['"]?)?[ \t]+BY(?:[ \t]+PASSWORD)?|PASSWORD(?:[ \t]*=[ \t]*(?:PASSWORD[ \t]*\()?|[ \t]*\(|[ \t]))[ \t]*)(['"])(?:(?!\2)[^\n\r\\]|\\.)*\2/gi,
    to: `$1$2${REDACTED}$2`,
  },
];

export function redactShapes(text: string): string {
  let out = text;
  for (const { re, to } of SHAPES) out = typeof to === 'string' ? out.replace(re, to) : out.replace(re, to);
  return out;
}
