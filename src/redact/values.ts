/** What a value found next to a secret name is, and how much of it to keep. */

export const REDACTED = '[redacted]';

// Not secrets, and what an engineer needs: "(using password: YES)" says a password was sent.
const PLACEHOLDER_RE =
  /^(?:yes|no|true|false|on|off|null|nil|none|undefined|\(null\)|-|\*+|x{3,}|<[^<>]*>)$/i;
// A reference to a value held elsewhere: ${DB_PASSWORD}, %{ENV:X} (Apache), {{ .Values.x }}, and
// a regex back-reference (`SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`).
const REFERENCE_RE = /^(?:\$[0-9]|\$\{[A-Za-z_][A-Za-z0-9_:.-]*\}|%\{[A-Za-z_:.-]+\}|\{\{[^{}]*\}\})$/;
/** A bare variable (`$http_authorization`): a reference in nginx and FPM's env[], not in a shell dump. */
export const VARIABLE_RE = /^\$[A-Za-z_][A-Za-z0-9_]*$/;

// Already masked, perhaps behind the prefix a shape kept: `xoxb-[redacted]`, `AKIA[redacted]`.
const MASKED_RE = /^[A-Za-z0-9_.-]{0,16}\[redacted\]$/;

/**
 * No placeholder, reference or masked value is longer than this: a longer value is never harmless,
 * which also keeps the checks on a rejected value constant-time (a hostile `pw==pw==...` line).
 */
export const MAX_HARMLESS = 256;

/** A value that must stay as it is: nothing secret in it, or already masked. */
export function isHarmless(value: string): boolean {
  if (value.length > MAX_HARMLESS) return false;
  return value === '' || MASKED_RE.test(value) || PLACEHOLDER_RE.test(value) || REFERENCE_RE.test(value);
}

// Where a value under a name such as "ssl_certificate_key" is a file, not key material.
const PATH_START_RE = /^(?:[/~.]|[A-Za-z]:\\)/;
const PATH_EXTENSION_RE = /\.(?:pem|key|crt|der|p12|pfx|json|ya?ml|txt|conf)$/i;
const TOKEN_ALPHABET_RE = /^[A-Za-z0-9+/=_.:-]+$/;
/**
 * Longer than any token kept under a generic name (base64 of a 2048-bit key is 344). The bound
 * also caps the work on each value judged, so a line of `key=key=key=...` stays linear.
 */
const MAX_RANDOM = 512;

/**
 * A generic `key=` value is masked only when it looks random: long, from a token alphabet, with
 * letters and digits mixed and enough distinct characters. Cache keys and file names stay.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 16 || value.length > MAX_RANDOM) return false;
  if (PATH_START_RE.test(value) || PATH_EXTENSION_RE.test(value.slice(-5))) return false;
  if (!TOKEN_ALPHABET_RE.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return shannonBits(value) >= 3.2;
}

function shannonBits(value: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
