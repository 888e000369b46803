import { describe, expect, it } from 'vitest';
import { analyzePools } from '../../../src/analysis/pools.js';
import type { PoolSignal } from '../../../src/analysis/signals.js';
import {
  accepted,
  baseFacts,
  fpmCapture,
  fpmEvent,
  listener,
  NOW,
  pool,
  WEB,
  webCapture,
  worker,
} from './helpers.js';

const byName = (pools: PoolSignal[], name: string) => pools.find((p) => p.name === name)!;

describe('pools from the captured snapshot (ps + ss, no status page)', () => {
  // web.sh held: 8 www workers with 4 requests in flight, 5 requests on the 2-worker TCP pool,
  // one request on the kill pool.
  const { value, evidence } = analyzePools(webCapture());

  it('counts busy workers by the connections they accepted on the pool socket', () => {
    expect(byName(value, 'www')).toMatchObject({
      busy: 4,
      idle: 4,
      total: 8,
      busySource: 'ps',
      exhausted: false,
    });
    expect(byName(value, 'kill')).toMatchObject({ busy: 1, total: 1, queued: 0, exhausted: false });
    expect(byName(value, 'perm')).toMatchObject({ busy: 0, idle: 1 });
  });

  it('a TCP pool with every worker busy and 3 requests in its accept queue is exhausted', () => {
    expect(byName(value, 'tcp')).toMatchObject({
      busy: 2,
      maxChildren: 2,
      queued: 3,
      backlog: 4096,
      listen: '127.0.0.1:19210',
      listenKind: 'tcp',
      exhausted: true,
    });
    expect(evidence[0]!.text).toBe(
      'pool tcp (pm static): 2/2 workers busy (ps + ss: the connection of a request, or a wait other than accept()), 3 queued on 127.0.0.1:19210 (backlog 4096)',
    );
  });

  it('after the requests finished nothing is busy or exhausted', () => {
    const after = analyzePools(webCapture({ runtime: 'runtime-after.txt' })).value;
    expect(after.map((p) => [p.name, p.busy, p.exhausted])).toEqual([
      ['www', 0, false],
      ['tcp', 0, false],
      ['perm', 0, false],
      ['oom', 0, false],
      ['kill', 0, false],
    ]);
  });
});

describe('pools from captured status pages', () => {
  it('counts per-process states, not the request fpm-medic itself sent to read the page', () => {
    // dyn: two sleep.php requests Running, and pid 648 Running "/status?json&full" (ours).
    const facts = fpmCapture('status-busy.txt');
    const dyn = byName(analyzePools(facts).value, 'dyn');
    expect(dyn).toMatchObject({ busy: 2, idle: 1, total: 3, busySource: 'status', statusOk: true });
    expect(dyn.exhausted).toBe(false);
  });

  it('a status page timeout is reported, and says nothing about workers ps did not see', () => {
    const tcp = byName(analyzePools(fpmCapture('status-busy.txt')).value, 'tcp');
    expect(tcp).toMatchObject({
      statusOk: false,
      statusTimedOut: true,
      busySource: 'ps',
      busy: 0,
      exhausted: false,
    });
    const lines = analyzePools(fpmCapture('status-busy.txt')).evidence.map((e) => e.text);
    expect(lines).toContain(
      'pool tcp: status page did not answer within 1005 ms (it queues behind the busy workers)',
    );
    expect(
      lines.some((l) => l.startsWith('pool tcp (pm static): busy workers unknown (no process table)')),
    ).toBe(true);
  });

  it('timed-out status + every worker holding a request + "max_children reached" = exhausted', () => {
    // The saturated capture's status pages timed out and its log has the max_children lines; the
    // workers (which that capture did not snapshot) are constructed holding their requests.
    const facts = fpmCapture('status-saturated.txt');
    const dynSock = facts.fpm.pools.find((p) => p.name === 'dyn')!;
    const path = (dynSock.listen as { path: string }).path;
    facts.processes = [1, 2, 3].map((i) => worker(500 + i, 'dyn', { ppid: dynSock.masterPid }));
    facts.connections = [1, 2, 3].map((i) => accepted(500 + i, path));
    facts.listeners = [listener(path, { recvQ: 0, sendQ: 4096 })];
    const dyn = byName(analyzePools(facts).value, 'dyn');
    expect(dyn).toMatchObject({
      busy: 3,
      maxChildren: 3,
      statusTimedOut: true,
      maxChildrenReached: 1,
      exhausted: true,
    });
    const text = analyzePools(facts).evidence.map((e) => e.text);
    expect(text).toContain(
      'FPM: [pool dyn] server reached pm.max_children setting (3), consider raising it at 03:41:28',
    );
  });
});

describe('pool queue sources and false positives', () => {
  it('a unix pool queue comes from ss (the status page always says 0 for unix sockets)', () => {
    const facts = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 2 })] },
      processes: [worker(201, 'www'), worker(202, 'www')],
      connections: [accepted(201, '/run/php/www.sock'), accepted(202, '/run/php/www.sock')],
      listeners: [listener('/run/php/www.sock', { recvQ: 37, sendQ: 511 })],
    });
    expect(analyzePools(facts).value[0]).toMatchObject({
      busy: 2,
      queued: 37,
      backlog: 511,
      exhausted: true,
    });
  });

  it('busy workers with nothing queued and no warnings are not exhausted', () => {
    const facts = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 2 })] },
      processes: [worker(201, 'www'), worker(202, 'www')],
      connections: [accepted(201, '/run/php/www.sock'), accepted(202, '/run/php/www.sock')],
      listeners: [listener('/run/php/www.sock', { recvQ: 0, sendQ: 511 })],
    });
    expect(analyzePools(facts).value[0]).toMatchObject({ busy: 2, queued: 0, exhausted: false });
  });

  it('an idle worker sleeping in accept() is not busy; one running on CPU is', () => {
    const facts = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www')] },
      processes: [worker(201, 'www', { stat: 'S' }), worker(202, 'www', { stat: 'R' })],
      listeners: [listener('/run/php/www.sock')],
    });
    expect(analyzePools(facts).value[0]).toMatchObject({ busy: 1, idle: 1, total: 2 });
  });

  it('a max_children line from another pool or before the window does not count', () => {
    const facts = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 1 })] },
      processes: [worker(201, 'www', { stat: 'R' })],
      listeners: [listener('/run/php/www.sock')],
      fpmLog: [
        fpmEvent('max-children', NOW - 60, { pool: 'api' }),
        fpmEvent('max-children', NOW - 3600, { pool: 'www' }),
      ],
    });
    expect(analyzePools(facts).value[0]).toMatchObject({ busy: 1, maxChildrenReached: 0, exhausted: false });
  });

  it('without ss, a TCP pool uses the status page queue; an unknown backlog is -1', () => {
    const facts = baseFacts({
      kernel: {},
      fpm: {
        ...baseFacts().fpm,
        pools: [pool('api', { listen: { kind: 'tcp', host: '127.0.0.1', port: 9000 } }), pool('www')],
      },
      status: [
        {
          pool: 'api',
          ok: true,
          ms: 3,
          status: {
            pool: 'api',
            processManager: 'dynamic',
            startTime: NOW - 100,
            startSince: 100,
            acceptedConn: 10,
            listenQueue: 4,
            maxListenQueue: 4,
            listenQueueLen: 511,
            idleProcesses: 0,
            activeProcesses: 1,
            totalProcesses: 1,
            maxActiveProcesses: 1,
            maxChildrenReached: 0,
            slowRequests: 0,
            processes: [],
          },
        },
      ],
    });
    const [api, www] = analyzePools(facts).value;
    expect(api).toMatchObject({ queued: 4, backlog: 511 });
    expect(www).toMatchObject({ queued: 0, backlog: -1 });
    expect(analyzePools(facts).evidence.map((e) => e.text)).toContain(
      'pool www (pm dynamic): busy workers unknown (no process table), queue on /run/php/www.sock not measured (backlog unknown)',
    );
  });

  it('a pool with max_children unknown (0) is never exhausted', () => {
    const facts = baseFacts({
      fpm: { ...baseFacts().fpm, pools: [pool('www', { maxChildren: 0 })] },
      listeners: [listener('/run/php/www.sock', { recvQ: 5, sendQ: 511 })],
    });
    expect(analyzePools(facts).value[0]!.exhausted).toBe(false);
  });

  it('matches the captured pool socket path exactly', () => {
    expect(byName(analyzePools(webCapture()).value, 'www').listen).toBe(`${WEB}/run/www.sock`);
  });
});
