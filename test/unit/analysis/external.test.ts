import { describe, expect, it } from 'vitest';
import { analyzeExternal } from '../../../src/analysis/external.js';
import type { FpmStatusProcess, HostFacts } from '../../../src/facts/types.js';
import { accepted, baseFacts, conn, listener, NOW, nginxWeb, pool, webCapture, worker } from './helpers.js';

describe('external endpoints from the captured snapshot', () => {
  it('names the endpoint the blocked worker waits on, and nothing else', () => {
    const { value, evidence } = analyzeExternal(webCapture());
    // external.php held a connection to 127.0.0.1:19212 that never answers. The self-request
    // (to nginx on 19201) and the TCP pool's accepted connections are not endpoints.
    expect(value.endpoints).toEqual([
      { peer: '127.0.0.1:19212', workers: 1, maxDurationSec: 2, avgCpu: 0, pids: [27614] },
    ]);
    expect(value).toMatchObject({
      topPeer: '127.0.0.1:19212',
      topWorkers: 1,
      topMaxDurationSec: 2,
      topAvgCpu: 0,
    });
    expect(evidence.map((e) => e.text)).toEqual([
      '1 busy worker -> 127.0.0.1:19212, workers up to 2s, avg CPU 0% (pids 27614)',
    ]);
  });

  it('nothing after the requests finished', () => {
    const { value, evidence } = analyzeExternal(webCapture({ runtime: 'runtime-after.txt' }));
    expect(value).toEqual({
      endpoints: [],
      topPeer: '',
      topWorkers: 0,
      topMaxDurationSec: 0,
      topAvgCpu: 0,
      topPids: [],
    });
    expect(evidence).toEqual([]);
  });
});

function statusProcess(pid: number, state: string, durationSec: number): FpmStatusProcess {
  return {
    pid,
    state,
    startTime: NOW - 600,
    requests: 10,
    requestDurationUs: durationSec * 1e6,
    requestMethod: 'GET',
    requestUri: '/checkout.php',
    contentLength: 0,
    user: '-',
    script: '/srv/www/checkout.php',
    lastRequestCpu: 0,
    lastRequestMemory: 0,
  };
}

/** Three workers of pool www: 401 and 402 Running, 403 Idle; each holds a connection to the API. */
function apiHost(): HostFacts {
  const f = baseFacts({
    fpm: { ...baseFacts().fpm, pools: [pool('www')] },
    web: nginxWeb(),
    processes: [
      worker(401, 'www', { cpuPercent: 0.2 }),
      worker(402, 'www', { cpuPercent: 0.6 }),
      worker(403, 'www', { cpuPercent: 3 }),
    ],
    listeners: [listener('/run/php/www.sock', { pids: [100, 401, 402, 403] }), listener('0.0.0.0:80')],
    connections: [
      accepted(401, '/run/php/www.sock'),
      accepted(402, '/run/php/www.sock'),
      conn(401, '10.0.0.11:40001', '203.0.113.50:443'),
      conn(402, '10.0.0.11:40002', '203.0.113.50:443'),
      // A persistent MySQL connection of an idle worker: open, not waited on.
      conn(403, '10.0.0.11:40003', '10.0.0.20:3306'),
      conn(401, '127.0.0.1:40004', '127.0.0.1:6379'),
    ],
  });
  f.status = [
    {
      pool: 'www',
      ok: true,
      ms: 4,
      status: {
        pool: 'www',
        processManager: 'dynamic',
        startTime: NOW - 600,
        startSince: 600,
        acceptedConn: 100,
        listenQueue: 0,
        maxListenQueue: 0,
        listenQueueLen: 0,
        idleProcesses: 1,
        activeProcesses: 2,
        totalProcesses: 3,
        maxActiveProcesses: 3,
        maxChildrenReached: 0,
        slowRequests: 0,
        processes: [
          statusProcess(401, 'Running', 34),
          statusProcess(402, 'Running', 12.5),
          statusProcess(403, 'Idle', 0.1),
        ],
      },
    },
  ];
  return f;
}

describe('external endpoint grouping', () => {
  it('groups busy workers by peer with the longest request (status page) and the average CPU', () => {
    const { value, evidence } = analyzeExternal(apiHost());
    expect(value.endpoints[0]).toEqual({
      peer: '203.0.113.50:443',
      workers: 2,
      maxDurationSec: 34,
      avgCpu: 0.4,
      pids: [401, 402],
    });
    expect(value).toMatchObject({
      topPeer: '203.0.113.50:443',
      topWorkers: 2,
      topMaxDurationSec: 34,
      topAvgCpu: 0.4,
    });
    expect(evidence[0]!.text).toBe(
      '2 busy workers -> 203.0.113.50:443, requests running up to 34s, avg CPU 0.4% (pids 401, 402)',
    );
  });

  it('keeps a loopback dependency (Redis) of a busy worker: a slow local service blocks too', () => {
    expect(analyzeExternal(apiHost()).value.endpoints.map((e) => e.peer)).toContain('127.0.0.1:6379');
  });

  it('an idle worker persistent database connection is not a blocked endpoint', () => {
    expect(analyzeExternal(apiHost()).value.endpoints.map((e) => e.peer)).not.toContain('10.0.0.20:3306');
  });

  it('a busy worker calling the host own web server is a self-request, not an endpoint', () => {
    const f = apiHost();
    f.connections.push(conn(402, '127.0.0.1:40010', '127.0.0.1:80'));
    expect(analyzeExternal(f).value.endpoints.map((e) => e.peer)).not.toContain('127.0.0.1:80');
  });
});
