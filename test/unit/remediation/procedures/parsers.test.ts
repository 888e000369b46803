import { describe, expect, it } from 'vitest';
import { parseMasterState } from '../../../../src/remediation/procedures/fpm-reload/parse.js';
import { parseStartPrecheck } from '../../../../src/remediation/procedures/fpm-start/parse.js';
import { parseKill } from '../../../../src/remediation/procedures/kill-stuck-workers/parse.js';
import { parseCheck } from '../../../../src/remediation/procedures/steps/parse-check.js';
import {
  parseCommandRun,
  parseReloadRun,
} from '../../../../src/remediation/procedures/steps/parse-command-run.js';
import { parseConfigTest } from '../../../../src/remediation/procedures/steps/parse-config-test.js';
import { CONF, LOG, SOCK, sections, WORK } from './helpers.js';

describe('config-test (php-fpm -t)', () => {
  it('passes on exit 0', () => {
    expect(parseConfigTest(sections('config-test-ok.txt'))).toMatchObject({
      ok: true,
      ran: true,
      rc: 0,
      exe: '/usr/sbin/php-fpm8.2',
      config: CONF,
      errors: [],
    });
  });

  it('fails on exit 78 with the specific error lines, without timestamps or the generic tail', () => {
    const t = parseConfigTest(sections('config-test-bad.txt'));
    expect(t).toMatchObject({ ok: false, ran: true, rc: 78 });
    expect(t.errors[0]).toBe(`[${WORK}/etc/pool.d/bad.conf:5] unknown entry 'pm.max_childrn'`);
    expect(t.errors).not.toContain('FPM initialization failed');
    expect(t.errors.some((e) => e.startsWith("failed to load configuration file '"))).toBe(true);
  });

  it('reports why it could not run', () => {
    expect(parseConfigTest(sections('config-test-no-file.txt'))).toMatchObject({
      ok: false,
      ran: false,
      problem: `cannot read ${WORK}/etc/nothere.conf as root`,
    });
  });
});

describe('reload', () => {
  it('the state right before the signal, and the signal', () => {
    const r = parseReloadRun(sections('reload-signal.txt'));
    expect(r.before).toMatchObject({ masterPid: 124, masterTicks: 116491, logSize: 303 });
    expect(r.before?.workers.map((w) => w.pool)).toEqual(['tcppool', 'tcppool', 'unixpool', 'unixpool']);
    expect(r.before?.workers[0]).toEqual({ pid: 125, ticks: 116491, pool: 'tcppool' });
    expect(r.run).toMatchObject({ method: 'signal', rc: 0, output: [] });
  });

  it('a command that failed keeps its exit code', () => {
    expect(parseReloadRun(sections('reload-command-failed.txt')).run).toMatchObject({
      method: 'command',
      rc: 1,
    });
  });

  it('a pid that is no master is refused before anything is sent', () => {
    const r = parseReloadRun(sections('reload-not-a-master.txt'));
    expect(r.before).toBeUndefined();
    expect(r.run).toBeUndefined();
    expect(r.problem).toBe('process 999999 is not a PHP-FPM master (any more)');
  });
});

describe('state after a reload', () => {
  it('mid re-exec: the signalled pid is no master for a moment and no master is listed', () => {
    const s = parseMasterState(sections('reload-state-early.txt'))!;
    expect(s.master).toEqual({ pid: 124, alive: false, ticks: 116491 });
    expect(s.masters).toEqual([]);
    expect(s.log).toMatchObject({ readable: true });
    expect(s.log.lines[0]).toContain('Reloading in progress');
  });

  it('done: the daemonized master re-forked (new pid), four new workers, the log says ready', () => {
    const s = parseMasterState(sections('reload-state-done.txt'))!;
    expect(s.master).toEqual({ pid: 124, alive: false });
    expect(s.masters).toEqual([{ pid: 549, ticks: 116569, config: CONF }]);
    expect(s.workers[549]).toHaveLength(4);
    expect(s.log.lines.some((l) => l.includes('fpm is running, pid 549'))).toBe(true);
    expect(s.log.lines.at(-1)).toContain('ready to handle connections');
  });
});

describe('check (ping over FastCGI, health over HTTP)', () => {
  it('every pool pongs and the health URL answers 200', () => {
    const c = parseCheck(sections('check-ok.txt'));
    expect(c.pings.map((p) => [p.pool, p.listen, p.ok])).toEqual([
      ['unixpool', SOCK, true],
      ['tcppool', '127.0.0.1:19300', true],
    ]);
    expect(c.health).toMatchObject({ url: 'http://127.0.0.1:19301/health.php', ok: true, code: 200 });
  });

  it('names each failure: a path FPM does not ping (404), a missing socket, a refused port, no HTTP answer', () => {
    const c = parseCheck(sections('check-failing.txt'));
    expect(c.pings.map((p) => [p.pool, p.ok, p.detail])).toEqual([
      ['unixpool', false, "FPM answered 404 (is /nope the pool's ping.path?)"],
      ['gone', false, 'No such file or directory (2): nothing listens there'],
      ['refused', false, 'Connection refused (111): nothing accepts on it'],
    ]);
    expect(c.health).toMatchObject({ ok: false, code: 0 });
    expect(c.health?.detail).toContain("Couldn't connect to server");
  });
});

describe('kill', () => {
  it('tells apart killed, moved on, restarted, gone and not a worker', () => {
    const k = parseKill(sections('kill-mixed.txt'));
    expect(k.map((o) => [o.pid, o.result === 'killed' ? `killed ${o.signal}` : o.reason])).toEqual([
      [557, 'killed TERM'],
      [558, 'moved-on'],
      [558, 'restarted'],
      [99999, 'gone'],
      [549, 'not-a-worker'],
      [555, 'killed TERM'],
    ]);
    expect(k[4]).toMatchObject({ ppid: 1, title: `php-fpm: master process (${CONF})` });
  });

  it('a bad argument count is an error, not a guess', () => {
    expect(parseKill(sections('kill-usage.txt'))).toEqual([]);
    expect(sections('kill-usage.txt')[0]).toMatchObject({ kind: 'error', name: 'kill' });
  });
});

describe('fpm-start', () => {
  it('precheck with nothing running: the pinned config and the binary its location implies', () => {
    expect(parseStartPrecheck(sections('start-precheck-stopped.txt'))).toEqual({
      masters: [],
      ignored: [],
      systemd: false,
      candidates: [{ config: CONF, exe: '/usr/sbin/php-fpm8.2' }],
    });
  });

  it('precheck without a pin lists the distribution configs that exist', () => {
    expect(parseStartPrecheck(sections('start-precheck-none.txt'))?.candidates).toEqual([
      { config: '/etc/php/8.2/fpm/php-fpm.conf', exe: '/usr/sbin/php-fpm8.2' },
    ]);
  });

  it('precheck while running names the master', () => {
    expect(parseStartPrecheck(sections('start-precheck-running.txt'))?.masters).toEqual([
      { pid: 124, ticks: 116491, config: CONF },
    ]);
  });

  it('start: the binary daemonized (exit 0), or FPM said why not', () => {
    expect(parseCommandRun(sections('start-binary.txt'), 'start')).toMatchObject({ method: 'binary', rc: 0 });
    const clash = parseCommandRun(sections('start-binary-clash.txt'), 'start')!;
    expect(clash.rc).toBe(70);
    expect(clash.output[0]).toContain("unable to bind listening socket for address '127.0.0.1:19300'");
  });

  it('state lists the masters with their config', () => {
    expect(parseStartPrecheck(sections('start-state.txt'))?.masters).toEqual([
      { pid: 124, ticks: 116491, config: CONF },
    ]);
  });

  it('log lines in the state are FPM lines only', () => {
    const s = parseMasterState(sections('reload-state-no-master.txt'))!;
    expect(s.log.lines.every((l) => /^\[\d/.test(l))).toBe(true);
    expect(LOG).toContain(WORK);
  });
});
