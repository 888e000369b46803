import { describe, expect, it } from 'vitest';
import { analyzeBacklog } from '../../../src/analysis/backlog.js';
import { analyzeWebErrors } from '../../../src/analysis/web-errors.js';
import { baseFacts, listener, NOW, nginxWeb, pool, WEB, webCapture, webError } from './helpers.js';

describe('web errors from the captured nginx error log', () => {
  const { value, evidence } = analyzeWebErrors(webCapture());

  it('counts every gateway error class nginx logged against an FPM route', () => {
    expect(value).toEqual({
      kind: 'nginx',
      // 2 resets (kill and OOM pools), 4 refused (stale socket, closed port, both deadpair servers)…
      total: 15,
      enoent: 1,
      eacces: 1,
      refused: 4,
      eagain: 1,
      connectTimeout: 1,
      readTimeout: 1,
      sendTimeout: 1,
      reset: 2,
      prematureClose: 1,
      noLiveUpstreams: 1,
      tooBigHeader: 1,
    });
  });

  it('evidence is the real log message, without the request noise, with the local time', () => {
    const text = evidence.map((e) => e.text);
    expect(text).toContain(
      `nginx: connect() to unix:${WEB}/run/rootonly.sock failed (13: Permission denied) while connecting to upstream at 23:10:59`,
    );
    // nginx's TCP connect error does not name the address: the line adds it.
    expect(text).toContain(
      'nginx: connect() failed (111: Connection refused) while connecting to upstream (upstream 127.0.0.1:19299) at 23:10:59',
    );
    expect(evidence.every((e) => e.source === 'nginx')).toBe(true);
  });

  it('caps the evidence and says how much was left out', () => {
    expect(evidence).toHaveLength(8);
    expect(evidence[7]!.text).toBe('… and 8 more lines like these');
  });

  it('FastCGI stderr, "temporarily disabled" and unclassified lines are not gateway errors', () => {
    const facts = webCapture();
    expect(facts.webErrors.filter((e) => e.kind === 'fastcgi-stderr')).toHaveLength(3);
    expect(evidence.some((e) => e.text.includes('FastCGI sent in stderr'))).toBe(false);
    expect(evidence.some((e) => e.text.includes('temporarily disabled'))).toBe(false);
  });
});

describe('web errors from the captured Apache error log', () => {
  it('counts connect errors by upstream and keeps reset/timeout lines that name no upstream', () => {
    const { value, evidence } = analyzeWebErrors(webCapture({ server: 'apache' }));
    expect(value).toMatchObject({
      kind: 'apache',
      enoent: 2,
      eacces: 1,
      refused: 3,
      reset: 1,
      readTimeout: 1,
      total: 8,
    });
    // The same failure twice is one line with a count.
    expect(evidence.map((e) => e.text)).toContain(
      'apache: (111)Connection refused: AH00957: FCGI: attempt to connect to 127.0.0.1:19299 (127.0.0.1:19299) failed ×2 since 23:11:02',
    );
  });
});

describe('which errors concern FPM', () => {
  const facts = () =>
    baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      web: nginxWeb(),
    });

  it('an error about another backend (not a pool, not a FastCGI route) is left out', () => {
    const f = facts();
    f.webErrors = [
      webError('connect-refused', NOW - 10, '10.0.0.9:8080'),
      webError('connect-refused', NOW - 5, '/run/php/www.sock'),
    ];
    expect(analyzeWebErrors(f).value).toMatchObject({ refused: 1, total: 1 });
  });

  it('a route to a socket no pool listens on is an FPM problem to the user (wrong path)', () => {
    const f = facts();
    f.web = nginxWeb({
      routes: [
        {
          scope: 'location /old/',
          target: { kind: 'unix', path: '/run/php/php7.4-fpm.sock' },
          readTimeoutSec: 60,
        },
      ],
    });
    f.webErrors = [webError('connect-enoent', NOW - 10, '/run/php/php7.4-fpm.sock')];
    expect(analyzeWebErrors(f).value.enoent).toBe(1);
  });

  it('errors before the window do not count; a quiet log counts nothing', () => {
    const f = facts();
    f.webErrors = [webError('reset', NOW - 3600, '/run/php/www.sock')];
    expect(analyzeWebErrors(f).value.total).toBe(0);
    expect(analyzeWebErrors(f).evidence).toEqual([]);
  });

  it('with no pool or route known, nothing can be ruled out', () => {
    const f = baseFacts({ webErrors: [webError('connect-refused', NOW - 10, '10.0.0.9:9000')] });
    expect(analyzeWebErrors(f).value).toMatchObject({ kind: '', refused: 1, total: 1 });
  });
});

describe('backlog: accept queues at their limit', () => {
  it('the captured full unix socket and full TCP port nginx passes to are full; the busy pool is not', () => {
    const { value, evidence } = analyzeBacklog(webCapture());
    // full.sock: backlog 0 with one waiting; 127.0.0.1:19211: the same on TCP. 19210 has 3 of 4096.
    expect(value.fullListeners).toBe(2);
    expect(value.tcpOverflows).toBe(8);
    expect(evidence.map((e) => e.text)).toEqual([
      `ss: ${WEB}/run/full.sock accept queue 1 waiting, backlog 0 (full: new connections are refused with EAGAIN)`,
      'ss: 127.0.0.1:19211 accept queue 1 waiting, backlog 0 (full: new connections are dropped (SYN ignored))',
      '/proc/net/netstat: TcpExt ListenOverflows 4, ListenDrops 4 since boot',
    ]);
  });

  it('the dropped SYN of the capture moved the overflow counters', () => {
    expect(analyzeBacklog(webCapture({ runtime: 'runtime-after.txt' })).value.tcpOverflows).toBeGreaterThan(
      8,
    );
  });

  it('an empty queue is not full, even with backlog 0 (the kernel still takes one connection)', () => {
    const f = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      listeners: [listener('/run/php/www.sock', { recvQ: 0, sendQ: 0 })],
    });
    expect(analyzeBacklog(f).value.fullListeners).toBe(0);
  });

  it('a full queue on a socket that is no FastCGI backend (a local Redis) does not count', () => {
    const f = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      listeners: [
        listener('127.0.0.1:6379', { recvQ: 128, sendQ: 128 }),
        listener('/run/php/www.sock', { recvQ: 0, sendQ: 511 }),
      ],
    });
    expect(analyzeBacklog(f).value).toEqual({ fullListeners: 0, tcpOverflows: 0 });
    expect(analyzeBacklog(f).evidence).toEqual([]);
  });
});
