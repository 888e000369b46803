import { describe, expect, it } from 'vitest';
import { analyzeCrashes } from '../../../src/analysis/crashes.js';
import { analyzeOom } from '../../../src/analysis/oom.js';
import { analyzeRequestTimeouts } from '../../../src/analysis/request-timeouts.js';
import type { HostFacts } from '../../../src/facts/types.js';
import { baseFacts, fpmCapture, fpmEvent, NOW, pool, WEB, webCapture, webError } from './helpers.js';

/** The FPM capture ran without a web server; these add what nginx would have logged for dyn. */
function withNginxErrors(
  facts: HostFacts,
  errors: { kind: 'reset' | 'premature-close'; at: number; sock: string }[],
) {
  const pools = new Map(facts.fpm.pools.map((p) => [p.name, p]));
  const path = (name: string) => (pools.get(name)!.listen as { path: string }).path;
  facts.webErrors = errors.map((e) => webError(e.kind, e.at, path(e.sock)));
  facts.web = {
    kind: 'nginx',
    listens: [{ host: '127.0.0.1', port: 80 }],
    errorLogs: [],
    routes: [...pools.values()]
      .filter((p) => p.listen.kind === 'unix')
      .map((p) => ({ scope: `location /${p.name}/`, target: p.listen, readTimeoutSec: 60 })),
  };
  return facts;
}

describe('request timeouts (request_terminate_timeout kills)', () => {
  const kill = () => fpmCapture().fpmLog.find((e) => e.kind === 'execution-timed-out')!;

  it('the captured kill is counted; with no web server log nothing is matched', () => {
    const { value, evidence } = analyzeRequestTimeouts(fpmCapture());
    expect(value).toEqual({ kills: 1, matchedWebErrors: 0, beforePhpLimit: 0 });
    expect(evidence[0]!.text).toBe(
      `FPM 03:41:39: [pool dyn] child 722, script '/tmp/fpm-medic-fpm-capture/www/sleep.php' (request: "GET /sleep.php?s=10") execution timed out (6.025608 sec), terminating (no web server error matched within 2s)`,
    );
  });

  it('matches the reset nginx logs for the same pool in the same second', () => {
    const at = kill().time;
    const facts = withNginxErrors(fpmCapture(), [{ kind: 'reset', at, sock: 'dyn' }]);
    expect(analyzeRequestTimeouts(facts).value).toEqual({ kills: 1, matchedWebErrors: 1, beforePhpLimit: 0 });
  });

  it('a reset 5s later, or one naming another pool, is not this kill', () => {
    const at = kill().time;
    const facts = withNginxErrors(fpmCapture(), [
      { kind: 'reset', at: at + 5, sock: 'dyn' },
      { kind: 'reset', at, sock: 'od' },
    ]);
    expect(analyzeRequestTimeouts(facts).value.matchedWebErrors).toBe(0);
  });

  it("a kill on a pool whose terminate timeout comes before max_execution_time is the chain's doing", () => {
    // The captured pool dyn: request_terminate_timeout 6s, php_value[max_execution_time] = 1 (sound).
    const facts = fpmCapture();
    expect(analyzeRequestTimeouts(facts).value.beforePhpLimit).toBe(0);
    for (const met of ['6', '30', '0']) {
      const raised = {
        ...facts,
        fpm: {
          ...facts.fpm,
          pools: facts.fpm.pools.map((p) =>
            p.name === 'dyn' ? { ...p, phpValues: { ...p.phpValues, max_execution_time: met } } : p,
          ),
        },
      };
      expect(analyzeRequestTimeouts(raised).value, `max_execution_time ${met}`).toMatchObject({
        kills: 1,
        beforePhpLimit: 1,
      });
    }
  });

  it('a quiet log: no kills', () => {
    expect(analyzeRequestTimeouts(baseFacts()).value).toEqual({
      kills: 0,
      matchedWebErrors: 0,
      beforePhpLimit: 0,
    });
  });
});

describe('OOM kills from the captured memcg OOM (kernel.txt + php-fpm.log + nginx error log)', () => {
  const { value, evidence } = analyzeOom(webCapture());

  it('counts kernel kills of php-fpm, and matches the one FPM logged by pid', () => {
    // Four memcg kills of php-fpm8.2 in dmesg (three from earlier runs on that machine, before this
    // capture's master started: history); only 27622 was a worker of this master, and FPM logged its SIGKILL.
    expect(value).toEqual({
      kernelKills: 1,
      matched: 1,
      cgroupKills: 1,
      sigkills: 3,
      cgroupCounter: 1,
      matchedWebErrors: 1,
      history: 3,
    });
  });

  it('the matched line joins kernel, FPM and the reset of the request the worker was serving', () => {
    expect(evidence[0]!.text).toBe(
      `kernel 23:10:59: Memory cgroup out of memory: Killed process 27622 (php-fpm8.2), anon-rss 244 MB ↔ FPM: [pool oom] child 27622 exited on signal 9 (SIGKILL) after 2.891911 seconds from start ↔ nginx: recv() failed (104: Connection reset by peer) while reading response header from upstream (upstream ${WEB}/run/oom.sock), request "GET /oom/oom.php HTTP/1.1"`,
    );
  });

  it('the kill pool SIGKILLs (kill -9, same second) are not OOM kills and do not steal its reset', () => {
    const text = evidence.map((e) => e.text);
    expect(text).toContain(
      'FPM 23:10:59: [pool kill] child 27623 exited on signal 9 (SIGKILL) after 2.416107 seconds from start (no kernel OOM kill of pid 27623 in the window)',
    );
    expect(text.some((t) => t.includes('27622') && t.includes('/kill/'))).toBe(false);
    expect(text).toContain(
      'cgroup /fpm-medic-capture (FPM master 27594): oom_kill 1 since the cgroup was created',
    );
  });

  it('an OOM kill of another program is not an FPM OOM', () => {
    const facts = baseFacts({
      oomKills: [
        { time: NOW - 30, pid: 4242, comm: 'mysqld', cgroup: false, text: '[constructed for the test]' },
      ],
    });
    expect(analyzeOom(facts).value).toEqual({
      kernelKills: 0,
      matched: 0,
      cgroupKills: 0,
      sigkills: 0,
      cgroupCounter: 0,
      matchedWebErrors: 0,
      history: 0,
    });
  });

  it('a pid match far apart in time is a reused pid, not the same death', () => {
    const facts = baseFacts({
      oomKills: [
        { time: NOW - 600, pid: 4242, comm: 'php-fpm8.2', cgroup: false, text: '[constructed for the test]' },
      ],
      fpmLog: [
        fpmEvent('child-exited', NOW - 10, { pid: 4242, pool: 'www', signal: 9, signalName: 'SIGKILL' }),
      ],
    });
    expect(analyzeOom(facts).value).toMatchObject({ kernelKills: 1, matched: 0, sigkills: 1 });
  });
});

describe('crashes (fatal signals)', () => {
  it('the captured SIGSEGVs count; SIGKILL, SIGTERM and exit code 124 do not', () => {
    const facts = fpmCapture();
    const exits = facts.fpmLog.filter((e) => e.kind === 'child-exited');
    expect(exits.map((e) => e.signalName ?? `code ${e.exitCode}`)).toEqual(
      expect.arrayContaining(['code 124', 'SIGKILL', 'SIGTERM', 'SIGSEGV']),
    );
    const { value, evidence } = analyzeCrashes(facts);
    expect(value).toEqual({ count: 3, matchedWebErrors: 0, signals: ['SIGSEGV'] });
    // The emergency restart they caused comes first.
    expect(evidence.map((e) => e.text)).toEqual([
      'FPM 03:41:49: failed processes threshold (3 in 60 sec) is reached, initiating reload',
      'FPM 03:41:49: [pool dyn] child 910 exited on signal 11 (SIGSEGV) after 10.136409 seconds from start',
      'FPM 03:41:49: [pool dyn] child 911 exited on signal 11 (SIGSEGV) after 10.251789 seconds from start',
      'FPM 03:41:49: [pool crash] child 120 exited on signal 11 (SIGSEGV) after 32.259008 seconds from start',
    ]);
  });

  it('a reset on the crash pool socket pairs with that pool crash, not the dyn ones in the same second', () => {
    const at = fpmCapture().fpmLog.find((e) => e.signalName === 'SIGSEGV')!.time;
    const facts = withNginxErrors(fpmCapture(), [{ kind: 'reset', at, sock: 'crash' }]);
    const { value, evidence } = analyzeCrashes(facts);
    expect(value.matchedWebErrors).toBe(1);
    const matched = evidence.filter((e) => e.text.includes('↔'));
    expect(matched).toHaveLength(1);
    expect(matched[0]!.text).toContain('[pool crash] child 120');
  });

  it('SIGABRT and SIGBUS are crashes too; a clean exit is not', () => {
    const facts = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      fpmLog: [
        fpmEvent('child-exited', NOW - 5, {
          pool: 'www',
          pid: 1,
          signal: 6,
          signalName: 'SIGABRT',
          coreDumped: true,
        }),
        fpmEvent('child-exited', NOW - 4, { pool: 'www', pid: 2, signal: 7, signalName: 'SIGBUS' }),
        fpmEvent('child-exited', NOW - 3, { pool: 'www', pid: 3, exitCode: 0 }),
      ],
    });
    expect(analyzeCrashes(facts).value).toEqual({
      count: 2,
      matchedWebErrors: 0,
      signals: ['SIGABRT', 'SIGBUS'],
    });
  });
});
