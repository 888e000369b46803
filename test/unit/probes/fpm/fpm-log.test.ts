import { describe, expect, it } from 'vitest';
import type { FpmLogEvent } from '../../../../src/facts/types.js';
import { parseFpmLog } from '../../../../src/probes/parsers/fpm-log.js';
import { clock, ctx, fixture, fixtureSections } from './fixtures.js';

const logs = fixtureSections('logs.txt');
// logs.sh printed the rotated .1 first, then the live file: together, the whole run in order.
const errorLog = logs
  .filter((s) => s.name === 'log' && s.attrs.kind === 'fpm-error' && s.attrs.path?.includes('/a/'))
  .map((s) => s.body)
  .join('\n');
const events = parseFpmLog(errorLog, ctx);
const ofKind = (kind: FpmLogEvent['kind']) => events.filter((e) => e.kind === kind);

describe('parseFpmLog on a real FPM error log (rotated + live file)', () => {
  it('logs.sh gave the rotated part first, flagged', () => {
    const parts = logs.filter((s) => s.attrs.kind === 'fpm-error' && s.attrs.path?.includes('/a/'));
    expect(parts.map((s) => [s.attrs.path?.split('/').pop(), s.attrs.rotated])).toEqual([
      ['fpm-error.txt.1', '1'],
      ['fpm-error.txt', '0'],
    ]);
  });

  it('converts zone-less local times (+0530) with the host offset: every event is inside the run', () => {
    expect(events.length).toBeGreaterThan(20);
    for (const e of events) {
      expect(e.time).toBeGreaterThanOrEqual(clock.since);
      expect(e.time).toBeLessThanOrEqual(clock.now);
    }
  });

  it('drops the -tt config dump a config test appended to the log', () => {
    expect(errorLog).toContain('NOTICE: \tpm.max_children = 3');
    expect(events.some((e) => e.text.startsWith('\t') || /^\[(global|dyn)\]$/.test(e.text))).toBe(false);
  });

  it('max_children: dynamic (pm.max_children) and ondemand (max_children) forms, with the limit', () => {
    const byPool = Object.fromEntries(ofKind('max-children').map((e) => [e.pool, e.limit]));
    expect(byPool).toMatchObject({ dyn: 3, od: 2, busy: 24 });
    expect(ofKind('max-children').every((e) => e.level === 'WARNING')).toBe(true);
  });

  it('seems busy, with spawning/idle/total', () => {
    const busy = ofKind('seems-busy');
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(busy[0]).toMatchObject({ pool: 'busy', spawning: 8, idle: 0 });
    expect(busy[0]!.total).toBeGreaterThan(8);
  });

  it('request timeouts: slowlog warnings and request_terminate_timeout kills', () => {
    const slow = ofKind('executing-too-slow');
    expect(slow.length).toBeGreaterThan(3);
    expect(slow[0]).toMatchObject({ pool: 'dyn', request: 'GET /sleep.php?s=4' });
    expect(slow[0]!.script).toMatch(/\/www\/sleep\.php$/);
    const killed = ofKind('execution-timed-out');
    expect(killed).toHaveLength(1);
    expect(killed[0]).toMatchObject({ pool: 'dyn', request: 'GET /sleep.php?s=10' });
    expect(killed[0]!.durationSec).toBeGreaterThanOrEqual(6);
    expect(killed[0]!.durationSec).toBeLessThan(7);
    // The SIGTERM exit of the same child follows.
    const term = ofKind('child-exited').find((e) => e.pid === killed[0]!.pid);
    expect(term).toMatchObject({ signal: 15, signalName: 'SIGTERM', coreDumped: false });
  });

  it('child exits: code 124 (hard timeout), SIGKILL, SIGSEGV; respawns', () => {
    const exits = ofKind('child-exited').filter((e) => e.level === 'WARNING');
    expect(exits.find((e) => e.exitCode === 124)).toMatchObject({ pool: 'dyn' });
    expect(exits.find((e) => e.signal === 9)).toMatchObject({ signalName: 'SIGKILL' });
    const segv = exits.filter((e) => e.signal === 11);
    expect(segv.length).toBe(3);
    expect(segv.map((e) => e.pool).sort()).toEqual(['crash', 'dyn', 'dyn']);
    expect(segv[0]!.durationSec).toBeGreaterThan(0);
    const normal = ofKind('child-exited').filter((e) => e.exitCode === 0);
    expect(normal.every((e) => e.level === 'NOTICE')).toBe(true);
    expect(ofKind('child-started').length).toBeGreaterThan(3);
  });

  it('emergency restart after three crashes, then a reload', () => {
    const er = ofKind('emergency-restart');
    expect(er).toHaveLength(1);
    expect(er[0]).toMatchObject({ limit: 3, durationSec: 60 });
  });

  it('worker output: fatal errors and raw stderr with catch_workers_output', () => {
    const out = ofKind('worker-output').map((e) => e.text);
    expect(out.some((t) => t.includes('Allowed memory size of 33554432 bytes exhausted'))).toBe(true);
    expect(out.some((t) => t.includes('Maximum execution time of 1 second exceeded'))).toBe(true);
    expect(out.some((t) => t.includes('Maximum execution time of 1+2 seconds exceeded (terminated)'))).toBe(
      true,
    );
    expect(out.some((t) => t.includes('direct write to stderr from app'))).toBe(true);
  });

  it('lifecycle: reload, ready (with the new master pid), terminate, exit, restart', () => {
    expect(ofKind('reloading')).toHaveLength(1);
    const ready = ofKind('ready');
    expect(ready.length).toBeGreaterThanOrEqual(4);
    expect(ready.every((e) => typeof e.pid === 'number' && e.pid > 0)).toBe(true);
    expect(ofKind('terminating').map((e) => e.text)).toEqual(['Terminating ...']);
    expect(ofKind('exiting')).toHaveLength(1);
  });

  it('startup clash: another instance on the socket, port in use', () => {
    const errs = ofKind('startup-error').map((e) => e.text);
    expect(errs.some((t) => /^Another FPM instance seems to already listen on .*dyn\.sock$/.test(t))).toBe(
      true,
    );
    expect(
      errs.some((t) => t.includes("unable to bind listening socket for address '127.0.0.1:19110'")),
    ).toBe(true);
    expect(errs.filter((t) => t === 'FPM initialization failed')).toHaveLength(2);
  });

  it('windowing drops events before ctx.since', () => {
    const mid = events[Math.floor(events.length / 2)]!.time;
    const later = parseFpmLog(errorLog, { ...ctx, since: mid });
    expect(later.length).toBeLessThan(events.length);
    expect(later.every((e) => e.time >= mid)).toBe(true);
  });
});

describe('parseFpmLog line forms', () => {
  it('log_level = debug: microseconds and pid/function prefix; DEBUG chatter dropped', () => {
    const debug = parseFpmLog(fixture('fpm-error-debug.txt'), ctx);
    expect(debug.some((e) => e.level === 'DEBUG' && e.kind === 'other')).toBe(false);
    const pmax = debug.find((e) => e.kind === 'process-max')!;
    expect(pmax.level).toBe('WARNING');
    expect(pmax.time % 1).not.toBe(0);
    expect(debug.find((e) => e.kind === 'seems-busy')).toMatchObject({ pool: 'capped', spawning: 8 });
  });

  it('tail -c cut the first line: it is skipped, the rest parses', () => {
    const [s] = fixtureSections('logs-tail-cut.txt');
    expect(s!.attrs.truncated).toBe('1');
    const lines = s!.body.split('\n').filter(Boolean);
    expect(lines[0]!.startsWith('[')).toBe(false);
    const parsed = parseFpmLog(s!.body, { ...ctx, since: 0 });
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.length).toBeLessThan(lines.length);
  });

  it('syslog mode ([LEVEL] after the syslog header), derived from the captured lines', () => {
    // No syslog daemon in the capture; rewrap real lines as rsyslog writes error_log = syslog.
    const lines = errorLog
      .split('\n')
      .filter(
        (l) => l.includes('exited on signal 9') || l.includes('[pool dyn] server reached pm.max_children'),
      )
      .map((l) => {
        const m = /^\[(\d+)-(\w+)-\d+ ([\d:]+)\] (\w+): (.*)$/.exec(l)!;
        return `${m[2]} ${m[1]} ${m[3]} web-1 php-fpm[812]: [${m[4]}] ${m[5]}`;
      });
    const fromSyslog = parseFpmLog(lines.join('\n'), ctx);
    const original = events.filter((e) => e.signal === 9 || (e.kind === 'max-children' && e.pool === 'dyn'));
    expect(fromSyslog.map((e) => [e.kind, e.time, e.pool])).toEqual(
      original.map((e) => [e.kind, e.time, e.pool]),
    );
  });
});
