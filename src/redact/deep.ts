/**
 * Redacting a structure about to be logged or posted: every string goes through `redact`, and
 * every value under a secret's name (`password`, `headers.authorization`, `apiKey`) is masked
 * whole, numbers included. The input is never modified; the copy keeps its shape.
 */
import { secretKind } from './keys.js';
import { redact } from './text.js';
import { looksRandom, REDACTED } from './values.js';

// Deeper than any report or Slack payload; stops a pathological structure from overflowing the stack.
const MAX_DEPTH = 64;

export function redactDeep<T>(value: T): T {
  return copy(value, false, 0, new WeakMap()) as T;
}

function copy(value: unknown, secret: boolean, depth: number, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return secret ? maskString(value) : redact(value);
  if (typeof value === 'number' || typeof value === 'bigint') return secret ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  const next = (v: unknown, s: boolean) => copy(v, s, depth + 1, seen);

  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(next(item, secret));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value) out.set(k, next(v, secret || isSecretEntry(k, v)));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const v of value) out.add(next(v, secret));
    return out;
  }
  // Errors keep their prototype, so loggers still serialise them as errors (type, stack).
  const out: Record<string, unknown> =
    value instanceof Error ? Object.create(Object.getPrototypeOf(value)) : {};
  seen.set(value, out);
  if (value instanceof Error) {
    for (const key of ['name', 'message', 'stack'] as const) {
      if (typeof value[key] === 'string') {
        Object.defineProperty(out, key, { value: redact(value[key]), writable: true, configurable: true });
      }
    }
    if ('cause' in value) out['cause'] = next(value.cause, secret);
  }
  for (const [key, v] of Object.entries(value)) out[key] = next(v, secret || isSecretEntry(key, v));
  return out;
}

function isSecretEntry(key: unknown, value: unknown): boolean {
  if (typeof key !== 'string') return false;
  const kind = secretKind(key);
  if (kind === 'always') return true;
  return kind === 'entropy' && typeof value === 'string' && looksRandom(value);
}

/** A string under a secret's name: masked unless it is a placeholder such as "" or "[redacted]". */
function maskString(value: string): string {
  return value === '' || value === REDACTED ? value : REDACTED;
}
