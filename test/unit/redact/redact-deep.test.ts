import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep } from '../../../src/redact/redact.js';

describe('redactDeep', () => {
  it('masks values under secret names whole, numbers too, and redacts every other string', () => {
    const input = {
      host: 'web-1',
      password: 'hunter2',
      pin: 1234,
      db: { user: 'shop', dbPassword: 987654, url: 'mysql://shop:Sh0p!2026@db-1/shop' },
      headers: { authorization: 'Bearer abc.def', 'x-request-id': 'r-1' },
      lines: ['DB_PASSWORD=s3cr3t', 'pm.max_children = 50'],
      apiKey: 'k',
      enabled: true,
      token: null,
    };
    expect(redactDeep(input)).toEqual({
      host: 'web-1',
      password: REDACTED,
      pin: 1234,
      db: { user: 'shop', dbPassword: REDACTED, url: `mysql://shop:${REDACTED}@db-1/shop` },
      headers: { authorization: REDACTED, 'x-request-id': 'r-1' },
      lines: [`DB_PASSWORD=${REDACTED}`, 'pm.max_children = 50'],
      apiKey: REDACTED,
      enabled: true,
      token: null,
    });
  });

  it('masks everything under a secret name, however nested', () => {
    expect(redactDeep({ credentials: { user: 'bob', list: ['a', 42], ok: false } })).toEqual({
      credentials: { user: REDACTED, list: [REDACTED, REDACTED], ok: false },
    });
  });

  it('masks a generic key only when its value looks random', () => {
    expect(redactDeep({ key: '8f14e45fceea167a5a36dedd4bea2543', cacheKey: 'user:42' })).toEqual({
      key: REDACTED,
      cacheKey: 'user:42',
    });
  });

  it('does not modify its input, and is idempotent', () => {
    const input = { password: 'x', nested: { text: 'token=abc123' } };
    const once = redactDeep(input);
    expect(input).toEqual({ password: 'x', nested: { text: 'token=abc123' } });
    expect(redactDeep(once)).toEqual(once);
  });

  it('keeps errors as errors, with message, stack and own fields redacted', () => {
    const cause = new Error('connect mysql://app:pw1@db-1 failed');
    const err = Object.assign(new Error('login with password=hunter2 failed', { cause }), {
      code: 'E_AUTH',
      secret: 'x',
    });
    const out = redactDeep(err);
    expect(out).toBeInstanceOf(Error);
    expect(out.message).toBe(`login with password=${REDACTED} failed`);
    expect(out.stack).not.toContain('hunter2');
    expect(out.code).toBe('E_AUTH');
    expect(out.secret).toBe(REDACTED);
    expect((out.cause as Error).message).toBe(`connect mysql://app:${REDACTED}@db-1 failed`);
  });

  it('copes with cycles, maps, sets and binary data', () => {
    const node: Record<string, unknown> = { name: 'a', token: 'secret-value' };
    node['self'] = node;
    const bytes = new Uint8Array([1, 2, 3]);
    const input = {
      node,
      map: new Map<string, unknown>([
        ['password', 'x'],
        ['note', 'DB_PASSWORD=y'],
      ]),
      set: new Set(['token=abc123']),
      bytes,
    };
    const out = redactDeep(input);
    const copied = out.node as Record<string, unknown>;
    expect(copied['token']).toBe(REDACTED);
    expect(copied['self']).toBe(copied);
    expect(out.map.get('password')).toBe(REDACTED);
    expect(out.map.get('note')).toBe(`DB_PASSWORD=${REDACTED}`);
    expect([...out.set]).toEqual([`token=${REDACTED}`]);
    expect(out.bytes).toBe(bytes);
  });

  it('passes primitives through, redacting strings', () => {
    expect(redactDeep('Authorization: Bearer abcdef123456')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactDeep(42)).toBe(42);
    expect(redactDeep(undefined)).toBeUndefined();
  });
});
