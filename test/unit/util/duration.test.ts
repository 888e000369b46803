import { describe, expect, it } from 'vitest';
import { parseDurationSec, parseSince } from '../../../src/util/duration.js';

describe('--window and --since', () => {
  it('reads durations, a bare number being minutes', () => {
    expect(parseDurationSec('90s')).toBe(90);
    expect(parseDurationSec('15m')).toBe(900);
    expect(parseDurationSec('1h')).toBe(3600);
    expect(parseDurationSec('30')).toBe(1800);
  });

  it('refuses nonsense with the accepted forms in the message', () => {
    expect(() => parseDurationSec('soon')).toThrow(/use a number with s, m, h or d/);
    expect(() => parseDurationSec('0m')).toThrow();
  });

  it('reads ISO times and epoch seconds, refusing the future and far past', () => {
    const now = Date.parse('2026-11-20T04:00:00Z') / 1000;
    expect(parseSince('2026-11-20T03:41:00Z', now)).toBe(now - 19 * 60);
    expect(parseSince(String(now - 60), now)).toBe(now - 60);
    expect(() => parseSince('2026-11-21T03:41:00Z', now)).toThrow(/ISO 8601/);
    expect(() => parseSince('yesterday-ish', now)).toThrow(/--since/);
  });
});
