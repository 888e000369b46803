import { describe, expect, it } from 'vitest';
import { parseNginxErrorLog } from '../../../../src/probes/parsers/nginx-error-log.js';
import { localToEpoch } from '../../../../src/probes/parsers/time.js';
import { captureClock, ctx, WORK, webFixture } from './fixtures.js';

const log = webFixture('nginx-error.log');

function byRequest(request: string) {
  return parseNginxErrorLog(log, ctx()).filter((e) => e.request === request);
}

describe('nginx error log (captured from nginx 1.22 in front of php-fpm 8.2)', () => {
  it('classifies every connect failure by errno, with the socket path normalised', () => {
    const cases: [string, string, number, string][] = [
      ['GET /missing/x.php HTTP/1.1', 'connect-enoent', 2, `${WORK}/run/nope.sock`],
      ['GET /perm/x.php HTTP/1.1', 'connect-eacces', 13, `${WORK}/run/rootonly.sock`],
      ['GET /stale/x.php HTTP/1.1', 'connect-refused', 111, `${WORK}/run/stale.sock`],
      ['GET /full/x.php HTTP/1.1', 'connect-eagain', 11, `${WORK}/run/full.sock`],
      ['GET /refused/x.php HTTP/1.1', 'connect-refused', 111, '127.0.0.1:19299'],
    ];
    for (const [request, kind, errno, upstream] of cases) {
      const [e] = byRequest(request);
      expect(e, request).toMatchObject({ server: 'nginx', kind, errno, upstream, client: '127.0.0.1' });
    }
    // ENOENT and EACCES are [crit], the others [error] (ngx_event_connect.c).
    expect(byRequest('GET /missing/x.php HTTP/1.1')[0]!.level).toBe('crit');
    expect(byRequest('GET /stale/x.php HTTP/1.1')[0]!.level).toBe('error');
  });

  it('tells the three timeouts apart and reads both unix upstream forms', () => {
    expect(byRequest('GET /tcpfull/x.php HTTP/1.1')[0]).toMatchObject({
      kind: 'connect-timeout',
      errno: 110,
      upstream: '127.0.0.1:19211',
    });
    const read = byRequest('GET /short/sleep.php?s=5 HTTP/1.1')[0]!;
    expect(read).toMatchObject({ kind: 'read-timeout', upstream: `${WORK}/run/www.sock` });
    // After a timeout the peer is released and nginx drops the trailing colon.
    expect(read.text).toContain(`upstream: "fastcgi://unix:${WORK}/run/www.sock"`);
    expect(byRequest('POST /sink/x.php HTTP/1.1').map((e) => e.kind)).toContain('send-timeout');
  });

  it('reads the worker-death, protocol and stderr classes', () => {
    expect(byRequest('GET /kill/sleep.php?s=30 HTTP/1.1')[0]).toMatchObject({ kind: 'reset', errno: 104 });
    expect(byRequest('GET /oom/oom.php HTTP/1.1')[0]).toMatchObject({
      kind: 'reset',
      upstream: `${WORK}/run/oom.sock`,
    });
    expect(byRequest('GET /close/x.php HTTP/1.1')[0]!.kind).toBe('premature-close');
    expect(byRequest('GET /small/bighdr.php HTTP/1.1')[0]!.kind).toBe('too-big-header');
    const stderr = byRequest('GET /u/mem.php HTTP/1.1')[0]!;
    expect(stderr.kind).toBe('fastcgi-stderr');
    // "(tried to allocate N bytes)" inside the PHP message is not an errno.
    expect(stderr.errno).toBeUndefined();
    expect(stderr.text).toContain('Allowed memory size of 16777216 bytes exhausted');
    expect(byRequest('GET /u/nosuch.php HTTP/1.1')[0]!.text).toContain('Primary script unknown');
  });

  it('sees the upstream block fail over, get disabled, then run out of live upstreams', () => {
    const dead = byRequest('GET /dead/x.php HTTP/1.1');
    expect(dead.filter((e) => e.kind === 'connect-refused').map((e) => e.upstream)).toEqual([
      '127.0.0.1:19297',
      '127.0.0.1:19298',
    ]);
    expect(dead.filter((e) => e.kind === 'worker-disabled')).toHaveLength(2);
    expect(dead.find((e) => e.kind === 'no-live-upstreams')).toMatchObject({
      upstream: 'deadpair',
      level: 'error',
    });
  });

  it('converts local times with the host offset and windows on ctx.since', () => {
    const events = parseNginxErrorLog(log, ctx());
    const first = events[0]!;
    const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(first.text)!;
    const clock = captureClock();
    expect(clock.utcOffsetMin).toBe(60);
    expect(first.time).toBe(localToEpoch(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, 60));
    // Everything was logged during the capture, minutes before the clock was read.
    for (const e of events) expect(clock.now - e.time).toBeGreaterThanOrEqual(0);
    for (const e of events) expect(clock.now - e.time).toBeLessThan(300);
    const last = events[events.length - 1]!.time;
    expect(parseNginxErrorLog(log, ctx(last)).every((e) => e.time >= last)).toBe(true);
    expect(parseNginxErrorLog(log, ctx(last + 1))).toEqual([]);
    expect(events.every((e) => e.serverPid! > 0)).toBe(true);
  });

  it('tolerates a tail that starts mid-line and messages that span lines', () => {
    const full = parseNginxErrorLog(log, ctx());
    const cut = parseNginxErrorLog(log.slice(40), ctx());
    expect(cut).toHaveLength(full.length - 1);
    const multi = [
      '2026/11/20 23:07:02 [error] 1#1: *9 FastCGI sent in stderr: "PHP message: first line',
      'second line" while reading response header from upstream, client: 10.0.0.5, server: x, request: "GET /a.php HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "x"',
    ].join('\n');
    expect(parseNginxErrorLog(multi, ctx())[0]).toMatchObject({
      kind: 'fastcgi-stderr',
      client: '10.0.0.5',
      upstream: '127.0.0.1:9000',
      request: 'GET /a.php HTTP/1.1',
    });
  });
});
