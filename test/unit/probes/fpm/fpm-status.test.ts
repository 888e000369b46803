import { describe, expect, it } from 'vitest';
import type { FpmStatus, PoolStatusResult } from '../../../../src/facts/types.js';
import {
  countProcessStates,
  parseFpmStatus,
  parseFpmStatusSections,
} from '../../../../src/probes/parsers/fpm-status.js';
import { fixture, fixtureSections } from './fixtures.js';

function ok(r: PoolStatusResult | undefined): FpmStatus {
  if (!r?.ok) throw new Error(`expected an ok result, got ${JSON.stringify(r)}`);
  return r.status;
}

describe('fpm-status.sh results', () => {
  it('idle pools answer; every way a read fails is told apart', () => {
    const { results, failures } = parseFpmStatusSections(fixtureSections('status-idle.txt'));
    expect(results.map((r) => [r.pool, r.ok ? 'ok' : r.reason])).toEqual([
      ['dyn', 'ok'],
      ['od', 'ok'],
      ['tcp', 'ok'],
      ['busy', 'no-status-path'],
      ['gone', 'not-found'],
      ['refused', 'refused'],
    ]);
    expect(results[4]).toMatchObject({ errno: 2 });
    expect(results[5]).toMatchObject({ errno: 111 });
    expect(failures).toEqual([]);
    const tcp = ok(results[2]);
    expect(tcp).toMatchObject({
      pool: 'tcp',
      processManager: 'static',
      listenQueueLen: 3,
      totalProcesses: 2,
      maxChildrenReached: 0,
    });
    expect(tcp.processes).toHaveLength(2);
    expect(tcp.processes.find((p) => p.state === 'Idle')).toMatchObject({
      requestUri: '/nothere.php',
      lastRequestMemory: 2_097_152,
    });
    expect(ok(results[0]).processes[0]).toMatchObject({ requestUri: '/status?json&full', script: '-' });
  });

  it('a busy pool still answers and shows its running requests', () => {
    const { results } = parseFpmStatusSections(fixtureSections('status-busy.txt'));
    const dyn = ok(results[0]);
    const running = dyn.processes.filter((p) => p.script.endsWith('/sleep.php'));
    expect(running).toHaveLength(2);
    for (const p of running) {
      expect(p).toMatchObject({ state: 'Running', requestMethod: 'GET', requestUri: '/sleep.php?s=4' });
      expect(p.requestDurationUs).toBeGreaterThan(1_000_000);
    }
    expect(dyn.slowRequests).toBeGreaterThan(0);
    expect(countProcessStates(dyn)).toEqual({ idle: 0, busy: 3 });
  });

  it('a saturated pool does not answer: a fast timeout, which is the evidence', () => {
    const busy = parseFpmStatusSections(fixtureSections('status-busy.txt')).results[1]!;
    expect(busy).toMatchObject({ pool: 'tcp', ok: false, reason: 'timeout' });
    expect(busy.ms).toBeGreaterThanOrEqual(900);
    expect(busy.ms).toBeLessThan(2500);
    const { results, failures } = parseFpmStatusSections(fixtureSections('status-saturated.txt'));
    expect(results.map((r) => [r.pool, r.ok ? 'ok' : r.reason])).toEqual([
      ['dyn', 'timeout'],
      ['od', 'timeout'],
    ]);
    expect(failures).toEqual([]);
  });

  it('could-not-look cases become ProbeFailures with the fix', () => {
    const nobody = parseFpmStatusSections(fixtureSections('status-nobody.txt'));
    expect(nobody.results[0]).toMatchObject({ ok: false, reason: 'permission', errno: 13 });
    expect(nobody.failures[0]).toMatchObject({ probe: 'fpm-status', target: 'dyn', reason: 'permission' });
    const tool = parseFpmStatusSections(fixtureSections('status-no-cgi-fcgi.txt'));
    expect(tool.results[0]).toMatchObject({ ok: false, reason: 'error' });
    expect(tool.failures[0]).toMatchObject({ reason: 'missing-tool' });
    expect(tool.failures[0]!.fix).toContain('apt-get install libfcgi-bin');
  });
});

describe('parseFpmStatus formats', () => {
  it('text ?full gives the same facts as JSON, times converted from the +0530 stamp', () => {
    const text = parseFpmStatus(fixture('status-raw-tcp-full.txt'))!;
    const json = parseFpmStatus(fixture('status-raw-tcp-json.txt'))!;
    expect(text.pool).toBe('tcp');
    expect(text.startTime).toBe(json.startTime);
    expect(text.processes.length).toBe(2);
    expect(json.processes).toEqual([]);
    expect(text.processes.every((p) => p.startTime === json.startTime)).toBe(true);
  });

  it('text ?full of a busy pool: request URI (capital in text) and durations', () => {
    const s = parseFpmStatus(fixture('status-raw-dyn-full-busy.txt'))!;
    expect(s).toMatchObject({ pool: 'dyn', processManager: 'dynamic', activeProcesses: 3, idleProcesses: 0 });
    const sleeping = s.processes.filter((p) => p.requestUri === '/sleep.php?s=4');
    expect(sleeping.length).toBe(2);
    expect(sleeping[0]!.requestDurationUs).toBeGreaterThan(1_000_000);
  });

  it('repairs the unescaped user/script/uri that older PHP wrote (php-src #11464)', () => {
    // A real body, broken the way PHP < 8.3 breaks it: raw quotes and backslashes in strings.
    const body = fixtureSections('status-busy.txt')[0]!.body;
    const broken = body
      .replace('"user":"-"', '"user":"dom\\ain"')
      .replace('"script":"/tmp/', '"script":"/tmp/"odd" ')
      .replace('"request uri":"\\/sleep.php?s=4"', '"request uri":"/sleep.php?s="4"');
    expect(() => JSON.parse(broken.slice(broken.indexOf('{')))).toThrow();
    const s = parseFpmStatus(broken)!;
    expect(s.processes[0]!.user).toBe('dom\\ain');
    expect(s.processes[0]!.script.startsWith('/tmp/"odd" ')).toBe(true);
    expect(s.processes[0]!.requestUri).toBe('/sleep.php?s="4');
  });

  it('a path that is not pm.status_path: FPM answers 404, reported as an error', () => {
    const { results } = parseFpmStatusSections(fixtureSections('status-wrong-path.txt'));
    expect(results[0]).toMatchObject({ pool: 'dyn', ok: false, reason: 'error' });
    expect(results[0]!.ok === false && results[0]!.detail).toMatch(
      /not a status page \(404 Not Found\) \[FastCGI stderr: Primary script unknown\]/,
    );
  });
});
