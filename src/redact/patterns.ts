/**
 * Secrets recognisable by their shape alone, wherever they appear: credentials in URLs, vendor
 * tokens with a fixed prefix, JWTs, bearer tokens. The prefix that says what the secret was is
 * kept (`xoxb-[redacted]`, `AKIA[redacted]`): an engineer can tell which credential leaked.
 *
 * Each pattern starts with a lookbehind for its own alphabet, so a long run of token characters is
 * tried from its start only: no pattern can go quadratic on a hostile or huge input.
 */
import { REDACTED } from './values.js';

interface Shape {
  re: RegExp;
  /** The replacement; `$1`... keep the captured parts that are not secret. */
  to: string;
}

const SHAPES: readonly Shape[] = [
  // scheme://user:password@host and scheme://:password@host; the password runs to the last "@"
  // before the path, since unencoded "@" in passwords is common in hand-written DSNs.
  {
    re: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:@/?#"'<>]*:)[^\s/?#"'<>]+(@)/g,
    to: `$1${REDACTED}$2`,
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
];

export function redactShapes(text: string): string {
  let out = text;
  for (const { re, to } of SHAPES) out = out.replace(re, to);
  return out;
}
