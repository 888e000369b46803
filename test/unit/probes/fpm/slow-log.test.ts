import { describe, expect, it } from 'vitest';
import { parseSlowLog } from '../../../../src/probes/parsers/slow-log.js';
import { clock, ctx, fixture, fixtureSections, logBody } from './fixtures.js';

describe('parseSlowLog on a real slowlog', () => {
  const body = logBody(fixtureSections('logs.txt'), '/dyn-slow.txt');
  const entries = parseSlowLog(body, ctx);

  it('one entry per "[date]  [pool x] pid N" header', () => {
    expect(entries.length).toBe(body.split('\n').filter((l) => /^\[.*\] {2}\[pool /.test(l)).length);
    expect(entries.length).toBeGreaterThan(3);
  });

  it('script and frames, innermost first', () => {
    const e = entries[0]!;
    expect(e.pool).toBe('dyn');
    expect(e.pid).toBeGreaterThan(0);
    expect(e.script).toMatch(/\/www\/sleep\.php$/);
    expect(e.frames).toEqual([
      { fn: 'sleep', file: e.script, line: 2 },
      { fn: 'deep', file: e.script, line: 3 },
    ]);
    expect(e.dumpFailed).toBeUndefined();
  });

  it('times from local +0530 fall inside the run', () => {
    for (const e of entries) {
      expect(e.time).toBeGreaterThanOrEqual(clock.since);
      expect(e.time).toBeLessThanOrEqual(clock.now);
    }
  });

  it('skips a half entry cut by tail -c and honours the window', () => {
    const raw = fixture('slow.txt');
    const cut = raw.slice(raw.indexOf('script_filename') + 3);
    expect(parseSlowLog(cut, ctx).length).toBe(entries.length - 1);
    expect(parseSlowLog(raw, { ...ctx, since: clock.now + 1 })).toEqual([]);
  });

  it('marks "+++ dump failed" (ptrace denied), derived from a captured entry', () => {
    const first = fixture('slow.txt').split('\n').slice(0, 3).join('\n');
    const [e] = parseSlowLog(`${first}\n+++ dump failed\n`, ctx);
    expect(e).toMatchObject({ pool: 'dyn', dumpFailed: true, frames: [] });
  });
});
