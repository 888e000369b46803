import { describe, expect, it } from 'vitest';
import { compileAccessFormat, parseAccessLog } from '../../../../src/probes/parsers/access-log.js';
import { parseFpmDiscovery } from '../../../../src/probes/parsers/discover-fpm.js';
import { clock, ctx, fixtureSections, logBody } from './fixtures.js';

// The formats come from the same run's -tt dump, as in production.
const pools = Object.fromEntries(
  parseFpmDiscovery(fixtureSections('discover.txt'))
    .pools.filter((p) => p.masterPid > 0)
    .map((p) => [p.name, p]),
);
const logs = fixtureSections('logs.txt');

describe('parseAccessLog with each pool access.format', () => {
  it('dyn: %{milli}d %{kilo}M %C%% %p %n %Q%q', () => {
    const entries = parseAccessLog(logBody(logs, '/dyn-access.txt'), pools.dyn!.accessFormat, ctx);
    expect(entries.length).toBe(logBody(logs, '/dyn-access.txt').split('\n').filter(Boolean).length);
    expect(entries[0]).toMatchObject({
      method: 'GET',
      uri: '/ok.php?a=1&b=two',
      status: 200,
      pool: 'dyn',
      memoryKb: 2048,
      cpuPercent: 0,
    });
    expect(entries[0]!.script).toMatch(/\/www\/ok\.php$/);
    expect(entries[0]!.remoteAddr).toBeUndefined(); // %R is "-" on unix sockets
    const notFound = entries.find((e) => e.uri === '/nothere.php')!;
    expect(notFound).toMatchObject({ status: 404 });
    expect(notFound.script).toBeUndefined();
    const cpu = entries.find((e) => e.uri === '/cpu.php')!;
    expect(cpu.status).toBe(500);
    expect(cpu.cpuPercent).toBeGreaterThan(50); // a CPU-bound loop; the exact share depends on the load
    expect(cpu.durationMs).toBeGreaterThan(1000);
    const sleep = entries.find((e) => e.uri === '/sleep.php?s=4')!;
    expect(sleep.durationMs).toBeGreaterThanOrEqual(4000);
    expect(sleep.durationMs).toBeLessThan(4100);
    expect(entries.find((e) => e.uri === '/mem.php')!.memoryKb).toBe(32768);
    for (const e of entries) {
      expect(e.time).toBeGreaterThanOrEqual(clock.since);
      expect(e.time).toBeLessThanOrEqual(clock.now);
    }
  });

  it('od: %{strftime}t, %{micro}d, %{mega}M, %{user}C, %{VAR}e', () => {
    const entries = parseAccessLog(logBody(logs, '/od-access.txt'), pools.od!.accessFormat, ctx);
    expect(entries.length).toBeGreaterThan(3);
    expect(entries[0]).toMatchObject({ pool: 'od', uri: '/ok.php?x=1', status: 200, memoryKb: 2048 });
    const sleep = entries.find((e) => e.uri === '/sleep.php?s=3')!;
    expect(sleep.durationMs).toBeGreaterThanOrEqual(3000);
    expect(sleep.durationMs).toBeLessThan(3100);
    for (const e of entries) {
      expect(e.time).toBeGreaterThanOrEqual(clock.since);
      expect(e.time).toBeLessThanOrEqual(clock.now);
    }
  });

  it('tcp: FPM default format (no duration/CPU): what is there still parses', () => {
    const entries = parseAccessLog(logBody(logs, '/tcp-access.txt'), pools.tcp!.accessFormat, ctx);
    expect(entries.length).toBeGreaterThan(3);
    expect(entries[0]).toMatchObject({ remoteAddr: '127.0.0.1', method: 'GET', uri: '/ok.php', status: 200 });
    expect(entries[0]!.durationMs).toBeUndefined();
    expect(entries[0]!.cpuPercent).toBeUndefined();
  });

  it('takes the zone from %z (+0530), not the host offset', () => {
    const dyn = compileAccessFormat(pools.dyn!.accessFormat);
    const line = logBody(logs, '/dyn-access.txt').split('\n')[0]!;
    const m = /(\d{2})\/Nov\/(\d{4}):(\d{2}:\d{2}:\d{2}) \+0530/.exec(line)!;
    const expected = Date.parse(`${m[2]}-11-${m[1]}T${m[3]}+05:30`) / 1000;
    expect(dyn(line, ctx)!.time).toBe(expected);
    expect(dyn(line, { ...ctx, clock: { ...ctx.clock, utcOffsetMin: -300 } })!.time).toBe(expected);
  });

  it('skips lines that do not match (a cut first line)', () => {
    const body = logBody(logs, '/dyn-access.txt');
    expect(parseAccessLog(body.slice(10), pools.dyn!.accessFormat, ctx).length).toBe(
      body.split('\n').filter(Boolean).length - 1,
    );
  });
});
