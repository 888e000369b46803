import { describe, expect, it } from 'vitest';
import { parseApacheErrorLog } from '../../../../src/probes/parsers/apache-error-log.js';
import { ctx, WORK, webFixture } from './fixtures.js';

const log = webFixture('apache-error.log');
const events = parseApacheErrorLog(log, ctx());

describe('Apache error log (captured from httpd 2.4 mod_proxy_fcgi in front of php-fpm 8.2)', () => {
  it('turns each failed connect plus its AH01079 into one event with errno, socket and client', () => {
    const connects = events.filter((e) => e.kind.startsWith('connect-'));
    const bySocket = (path: string) => connects.filter((e) => e.upstream === path);
    expect(bySocket(`${WORK}/run/nope.sock`)[0]).toMatchObject({
      kind: 'connect-enoent',
      errno: 2,
      code: 'AH02454',
      client: '127.0.0.1',
    });
    expect(bySocket(`${WORK}/run/rootonly.sock`)[0]).toMatchObject({ kind: 'connect-eacces', errno: 13 });
    expect(bySocket(`${WORK}/run/stale.sock`)[0]).toMatchObject({ kind: 'connect-refused', errno: 111 });
    expect(bySocket('127.0.0.1:19299')[0]).toMatchObject({
      kind: 'connect-refused',
      errno: 111,
      code: 'AH00957',
    });
    // One event per failed request: two requests to the missing socket, two log lines each.
    expect(bySocket(`${WORK}/run/nope.sock`)).toHaveLength(2);
    for (const e of connects) expect(e.text).toContain('AH01079: failed to make connection to backend');
  });

  it('reads the timeout (AH01075 70007 -> 504), the reset and the FastCGI stderr', () => {
    const timeout = events.find((e) => e.kind === 'read-timeout')!;
    expect(timeout).toMatchObject({ code: 'AH01075', errno: 70007, client: '127.0.0.1', level: 'error' });
    const reset = events.find((e) => e.kind === 'reset')!;
    // AH01067 "Failed to read FastCGI header" and the AH01075 (104) after it: one request.
    expect(reset).toMatchObject({ code: 'AH01075', errno: 104 });
    expect(reset.text).toContain('AH01067: Failed to read FastCGI header');
    const stderr = events.find((e) => e.kind === 'fastcgi-stderr')!;
    expect(stderr.code).toBe('AH01071');
    expect(stderr.text).toContain('PHP message: custom error_log line from app');
  });

  it('keeps times (with microseconds) in order and converted from local time', () => {
    const clock = ctx().clock;
    for (const e of events) {
      expect(clock.now - e.time).toBeGreaterThanOrEqual(0);
      expect(clock.now - e.time).toBeLessThan(300);
    }
    expect([...events].sort((a, b) => a.time - b.time)).toEqual(events);
    expect(events.every((e) => e.server === 'apache' && e.serverPid! > 0)).toBe(true);
    // A tail that starts mid-line (tail -c) reads as if that line were not there at all.
    const firstError = log.indexOf('[proxy:error]');
    const nextLine = log.indexOf('\n', firstError) + 1;
    expect(parseApacheErrorLog(log.slice(firstError - 10), ctx())).toEqual(
      parseApacheErrorLog(log.slice(nextLine), ctx()),
    );
  });

  it('ignores startup and shutdown notices: they are not web errors', () => {
    expect(log).toContain('[mpm_event:notice]');
    expect(events.some((e) => e.level === 'notice' || e.text.includes('AH00489'))).toBe(false);
  });

  it('reads the format strings of the lines the lab did not produce (REFERENCE §5.2)', () => {
    const text = [
      '[Mon Jan 15 03:42:17.123456 2024] [proxy:error] [pid 1234:tid 5678] (111)Connection refused: AH00957: FCGI: attempt to connect to 127.0.0.1:9000 (127.0.0.1:9000) failed',
      '[Mon Jan 15 03:42:17.123460 2024] [proxy:error] [pid 1234:tid 5678] AH00959: ap_proxy_connect_backend disabling worker for (127.0.0.1:9000) for 60s',
      '[Mon Jan 15 03:42:17.123489 2024] [proxy_fcgi:error] [pid 1234:tid 5678] [client 203.0.113.9:51234] AH01079: failed to make connection to backend: 127.0.0.1',
      '[Mon Jan 15 03:42:18.000001 2024] [proxy:error] [pid 1234:tid 5679] AH00940: FCGI: disabled connection for (127.0.0.1:9000)',
      '[Mon Jan 15 03:42:18.000100 2024] [proxy:error] [pid 1234:tid 5679] (11)Resource temporarily unavailable: AH02454: FCGI: attempt to connect to Unix domain socket /run/php/php8.2-fpm.sock (localhost:8000) failed',
    ].join('\n');
    const parsed = parseApacheErrorLog(text, { clock: { now: 0, uptimeSec: 0, utcOffsetMin: 0 }, since: 0 });
    expect(parsed.map((e) => [e.kind, e.code, e.upstream])).toEqual([
      ['connect-refused', 'AH00957', '127.0.0.1:9000'],
      ['worker-disabled', 'AH00959', '127.0.0.1:9000'],
      ['worker-disabled', 'AH00940', '127.0.0.1:9000'],
      ['connect-eagain', 'AH02454', '/run/php/php8.2-fpm.sock'],
    ]);
    // The request's client joins the connect failure it suffered, not the "disabling worker" line.
    expect(parsed[0]!.client).toBe('203.0.113.9');
    expect(parsed[1]!.client).toBeUndefined();
    expect(parsed[0]!.time).toBeCloseTo(Date.UTC(2024, 0, 15, 3, 42, 17) / 1000 + 0.123456, 5);
  });
});
