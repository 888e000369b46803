import { describe, expect, it } from 'vitest';
import { parseMasterState } from '../../../../src/remediation/procedures/fpm-reload/parse.js';
import { reloadProgress } from '../../../../src/remediation/procedures/fpm-reload/progress.js';
import { pickReloadTarget } from '../../../../src/remediation/procedures/fpm-reload/target.js';
import { parseStartPrecheck } from '../../../../src/remediation/procedures/fpm-start/parse.js';
import { pickStart } from '../../../../src/remediation/procedures/fpm-start/target.js';
import { parseKill } from '../../../../src/remediation/procedures/kill-stuck-workers/parse.js';
import {
  describeKills,
  poolsToVerify,
} from '../../../../src/remediation/procedures/kill-stuck-workers/run.js';
import { encodeConn, killArgs } from '../../../../src/remediation/procedures/kill-stuck-workers/target.js';
import {
  checkPassed,
  describeCheck,
  nothingToCheck,
  nothingToCheckText,
} from '../../../../src/remediation/procedures/steps/check.js';
import { describeConfigTest } from '../../../../src/remediation/procedures/steps/config-test.js';
import { discoveryFrom } from '../../../../src/remediation/procedures/steps/discover.js';
import { parseCheck } from '../../../../src/remediation/procedures/steps/parse-check.js';
import { parseReloadRun } from '../../../../src/remediation/procedures/steps/parse-command-run.js';
import { parseConfigTest } from '../../../../src/remediation/procedures/steps/parse-config-test.js';
import { pingPlan } from '../../../../src/remediation/procedures/steps/ping-targets.js';
import type { StuckWorker } from '../../../../src/report/named-workers.js';
import { CONF, LOG, probeOutput, SOCK, sections } from './helpers.js';

const discovery = (config: string | undefined = CONF) =>
  discoveryFrom(
    probeOutput('runtime', 'discover-runtime.txt'),
    probeOutput('discover-fpm', 'discover-fpm.txt'),
    config,
  );

describe('which master a reload acts on', () => {
  it('the pinned master, with its own binary, pools, error log and process_control_timeout', () => {
    const picked = pickReloadTarget(discovery(), { fpm: { config: CONF } });
    expect(picked.ok).toBe(true);
    if (!picked.ok) return;
    expect(picked.target).toMatchObject({
      exe: '/usr/sbin/php-fpm8.2',
      config: CONF,
      processControlTimeoutSec: 3,
      errorLog: LOG,
    });
    expect(picked.target.pools.map((p) => p.name).sort()).toEqual(['tcppool', 'unixpool']);
  });

  it('refuses when no master runs with the pinned config', () => {
    const picked = pickReloadTarget(discovery('/etc/php/8.2/fpm/php-fpm.conf'), {
      fpm: { config: '/etc/php/8.2/fpm/php-fpm.conf' },
    });
    expect(picked).toEqual({
      ok: false,
      summary: 'no FPM master runs with /etc/php/8.2/fpm/php-fpm.conf: nothing to reload (use fpm-start)',
    });
  });

  it('refuses to choose between several masters without a pin', () => {
    const d = discovery(undefined);
    const second = {
      ...d.masters[0]!,
      pid: d.masters[0]!.pid + 1000,
      configPath: '/etc/php/8.2/fpm/php-fpm.conf',
    };
    const picked = pickReloadTarget({ ...d, masters: [...d.masters, second] }, { fpm: {} });
    expect(picked.ok).toBe(false);
    if (!picked.ok) expect(picked.summary).toMatch(/^2 FPM masters run: .*set fpm\.config in the inventory/);
  });
});

describe('reload progress', () => {
  const before = parseReloadRun(sections('reload-signal.txt')).before!;
  const target = () => ({ config: CONF, pools: discovery().pools });

  it('not done while the master re-executes', () => {
    const p = reloadProgress(before, parseMasterState(sections('reload-state-early.txt'))!, target());
    expect(p.done).toBe(false);
    expect(p.master).toBeUndefined();
    expect(p.logged.reloading).toBe(true);
  });

  it('done once the re-forked master has a full set of new workers', () => {
    const p = reloadProgress(before, parseMasterState(sections('reload-state-done.txt'))!, target());
    expect(p).toMatchObject({ done: true, masterReplaced: true, oldLeft: [], poolsWithoutWorkers: [] });
    expect(p.master).toBe(parseMasterState(sections('reload-state-done.txt'))!.masters[0]!.pid);
    expect(p.workers).toHaveLength(4);
    expect(p.logged).toEqual({ reloading: true, ready: true });
  });

  it('not done while an old worker (same pid and start time) is still there', () => {
    const now = parseMasterState(sections('reload-state-done.txt'))!;
    const master = now.masters[0]!.pid;
    now.workers[master] = [...now.workers[master]!, before.workers[0]!];
    const p = reloadProgress(before, now, target());
    expect(p.done).toBe(false);
    expect(p.oldLeft).toEqual([before.workers[0]]);
  });

  it('a pool without a worker is not back (ondemand pools start theirs on the first request)', () => {
    const now = parseMasterState(sections('reload-state-done.txt'))!;
    const master = now.masters[0]!.pid;
    now.workers[master] = now.workers[master]!.filter((w) => w.pool !== 'tcppool');
    expect(reloadProgress(before, now, target()).poolsWithoutWorkers).toEqual(['tcppool']);
    const ondemand = target().pools.map((p) =>
      p.name === 'tcppool' ? { ...p, pm: 'ondemand' as const } : p,
    );
    expect(reloadProgress(before, now, { config: CONF, pools: ondemand }).done).toBe(true);
  });
});

describe('what fpm-start starts', () => {
  const stopped = () => parseStartPrecheck(sections('start-precheck-stopped.txt'))!;

  it('the pinned config with the binary its location implies, daemonized', () => {
    expect(pickStart(stopped(), { fpm: { config: CONF } })).toEqual({
      ok: true,
      target: {
        config: CONF,
        exe: '/usr/sbin/php-fpm8.2',
        method: 'binary',
        args: ['binary', '/usr/sbin/php-fpm8.2', CONF],
        label: `php-fpm8.2 --daemonize --fpm-config ${CONF}`,
        runningBefore: [],
      },
    });
  });

  it("the inventory's fpm.start command and fpm.binary win", () => {
    const picked = pickStart(stopped(), {
      fpm: { config: CONF, start: ['service', 'php8.2-fpm', 'start'], binary: 'php-fpm8.2' },
    });
    expect(picked).toMatchObject({
      ok: true,
      target: { method: 'command', exe: 'php-fpm8.2', args: ['command', 'service', 'php8.2-fpm', 'start'] },
    });
  });

  it('the systemd service when systemd runs and one starts the config', () => {
    const p = { ...stopped(), systemd: true, candidates: [{ config: CONF, unit: 'php8.2-fpm.service' }] };
    expect(pickStart(p, { fpm: { config: CONF, binary: '/usr/sbin/php-fpm8.2' } })).toMatchObject({
      ok: true,
      target: { method: 'systemd', args: ['systemd', 'php8.2-fpm.service'] },
    });
  });

  it('refuses while FPM runs: that is a reload', () => {
    const running = parseStartPrecheck(sections('start-precheck-running.txt'))!;
    expect(pickStart(running, { fpm: { config: CONF } })).toEqual({
      ok: false,
      summary: `FPM is running, pid ${running.masters[0]!.pid}: use fpm-reload`,
    });
  });

  it('without a pin: the one distribution config found; several or none are refused with what to set', () => {
    const none = parseStartPrecheck(sections('start-precheck-none.txt'))!;
    expect(pickStart(none, { fpm: {} })).toMatchObject({
      ok: true,
      target: { config: '/etc/php/8.2/fpm/php-fpm.conf', exe: '/usr/sbin/php-fpm8.2' },
    });
    const two = { ...none, candidates: [...none.candidates, { config: '/etc/php/8.3/fpm/php-fpm.conf' }] };
    expect(pickStart(two, { fpm: {} })).toMatchObject({
      ok: false,
      summary: expect.stringContaining('set fpm.config'),
    });
    expect(pickStart({ ...none, candidates: [] }, { fpm: {} })).toMatchObject({
      ok: false,
      summary: expect.stringContaining('no FPM config found'),
    });
    const noExe = { ...none, candidates: [{ config: '/srv/fpm.conf' }] };
    expect(pickStart(noExe, { fpm: {} })).toEqual({
      ok: false,
      summary: 'cannot tell which php-fpm binary starts /srv/fpm.conf: set fpm.binary in the inventory',
    });
  });
});

describe('kill-stuck-workers arguments and summaries', () => {
  const worker = (over: Partial<StuckWorker> = {}): StuckWorker => ({
    pid: 570,
    startedAt: 1_795_222_245.4,
    pool: 'unixpool',
    masterPid: 567,
    conn: 'unix:123456',
    durationSec: 80,
    ...over,
  });

  it('passes pid, master, start (whole seconds), pool and connection', () => {
    expect(killArgs(worker())).toEqual({
      ok: true,
      args: ['570', '567', '1795222245', 'unixpool', 'unix:123456'],
    });
    expect(killArgs(worker({ conn: 'tcp:127.0.0.1:9000,127.0.0.1:51234' }))).toMatchObject({ ok: true });
  });

  it('IPv6 brackets travel encoded', () => {
    expect(encodeConn('tcp:[::1]:9000,[::1]:40000')).toBe('tcp:%5B::1%5D:9000,%5B::1%5D:40000');
    expect(killArgs(worker({ conn: 'tcp:[::1]:9000,[::1]:40000' }))).toMatchObject({ ok: true });
  });

  it('refuses what cannot be checked', () => {
    expect(killArgs(worker({ conn: '' }))).toMatchObject({ ok: false });
    expect(killArgs(worker({ pool: "www'; rm -rf /" }))).toMatchObject({ ok: false });
    expect(killArgs(worker({ pid: 1 }))).toMatchObject({ ok: false });
  });

  it('says what happened to each named worker, with numbers', () => {
    // The capture named 558 a second time with a start 100 s too early: "restarted".
    const outcomes = parseKill(sections('kill-mixed.txt'));
    const restarted = outcomes[2]!;
    const started = restarted.result === 'skipped' ? (restarted.started ?? 0) : 0;
    const named = [worker({ pid: 557 }), worker({ pid: 558, startedAt: Math.round(started) - 100 })];
    const text = describeKills(outcomes.slice(0, 3), named);
    expect(text).toMatch(/^killed 1 of 2 named workers \(557\); skipped 558 moved on \(its request ended/);
    expect(text).toContain('558 restarted (this process started 100 s after the worker diagnosed');
  });

  it('verifies the pools of the killed workers only', () => {
    const pools = discovery().pools;
    const master = pools[0]!.masterPid;
    const v = poolsToVerify(
      [worker({ masterPid: master }), worker({ masterPid: master, pool: 'nope' })],
      pools,
    );
    expect(v.pools.map((p) => p.name)).toEqual(['unixpool']);
    expect(v.missing).toEqual(['nope']);
  });
});

describe('verification text', () => {
  it('the config test, passed or failed with the error quoted', () => {
    expect(describeConfigTest(parseConfigTest(sections('config-test-ok.txt')))).toMatch(
      /^config test passed \(php-fpm8\.2 -t, \d+ ms\)$/,
    );
    expect(describeConfigTest(parseConfigTest(sections('config-test-bad.txt')))).toMatch(
      /^config test failed \(exit 78\): \[.*\/pool\.d\/bad\.conf:5\] unknown entry 'pm\.max_childrn'; /,
    );
  });

  it('pings and health with their times, or what failed', () => {
    const plan = pingPlan(discovery().pools);
    expect(plan.args).toEqual(
      expect.arrayContaining(['unixpool', SOCK, '/ping', 'tcppool', '127.0.0.1:19300']),
    );
    const ok = { ok: true, result: parseCheck(sections('check-ok.txt')), attempts: 1 };
    expect(checkPassed(ok.result, 'http://127.0.0.1:19301/health.php')).toBe(true);
    expect(describeCheck(ok, plan, 'http://127.0.0.1:19301/health.php')).toMatch(
      /^ping unixpool \d+ ms, tcppool \d+ ms; health 200 in \d+ ms$/,
    );
    expect(describeCheck(ok, plan, undefined)).toMatch(
      /; health not checked \(set web\.healthUrl in the inventory\)$/,
    );
    const bad = { ok: false, result: parseCheck(sections('check-failing.txt')), attempts: 3 };
    expect(describeCheck(bad, plan, 'http://127.0.0.1:19309/health.php')).toMatch(
      /ping gone failed: No such file or directory \(2\).*; health failed: no answer \(curl: \(7\)/,
    );
  });

  it('nothing to check: no pool with a ping or status path and no health URL; the text says how to add one', () => {
    const strip = (p: ReturnType<typeof discovery>['pools'][number]) => ({
      ...p,
      pingPath: undefined,
      statusPath: undefined,
    });
    const pools = discovery().pools.sort((a, b) => b.name.localeCompare(a.name));
    const bare = pingPlan(pools.map(strip));
    expect(nothingToCheck(bare, undefined)).toBe(true);
    // A health URL, or one pool that can be pinged, is something to check.
    expect(nothingToCheck(bare, 'http://127.0.0.1/health.php')).toBe(false);
    expect(nothingToCheck(pingPlan([strip(pools[0]!), pools[1]!]), undefined)).toBe(false);
    expect(nothingToCheckText(bare, 'web-1', true)).toBe(
      'not verified: nothing to check (pool unixpool: no ping.path or pm.status_path to ask; ' +
        'pool tcppool: no ping.path or pm.status_path to ask; no web.healthUrl for web-1 in the inventory); ' +
        'to verify, set ping.path (e.g. ping.path = /ping) or pm.status_path in pools unixpool, tcppool, ' +
        'or web.healthUrl for web-1 in the inventory',
    );
    // kill-stuck-workers pings its pools only: the fix names no health URL.
    expect(nothingToCheckText(pingPlan([strip(pools[0]!)]), 'web-1', false)).toBe(
      'not verified: nothing to check (pool unixpool: no ping.path or pm.status_path to ask); ' +
        'to verify, set ping.path (e.g. ping.path = /ping) or pm.status_path in pool unixpool',
    );
  });

  it('a pool with neither ping.path nor a status path is said to be unchecked', () => {
    const pools = discovery().pools.map((p) => ({ ...p, pingPath: undefined, statusPath: undefined }));
    expect(pingPlan(pools).unchecked.map((u) => u.why)).toEqual([
      'no ping.path or pm.status_path to ask',
      'no ping.path or pm.status_path to ask',
    ]);
  });
});
