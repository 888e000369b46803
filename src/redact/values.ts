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

/** A value that must stay as it is: nothing secret in it, or already masked. */
export function isHarmless(value: string): boolean {
  return value === '' || MASKED_RE.test(value) || PLACEHOLDER_RE.test(value) || REFERENCE_RE.test(value);
}

// Where a value under a name such as "ssl_certificate_key" is a file, not key material.
const PATH_LIKE_RE = /^(?:[/~.]|[A-Za-z]:\\)|\.(?:pem|key|crt|der|p12|pfx|json|ya?ml|txt|conf)$/i;

/**
 * A generic `key=` value is masked only when it looks random: long, from a token alphabet, with
 * letters and digits mixed and enough distinct characters. Cache keys and file names stay.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 16 || value.length > 4096) return false;
  if (!/^[A-Za-z0-9+/=_.:-]+$/.test(value) || PATH_LIKE_RE.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return shannonBits(value) >= 3.2;
}

function shannonBits(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
