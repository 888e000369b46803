import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import { MAX_EVIDENCE } from '../../../src/analysis/evidence.js';
import type { HostFacts } from '../../../src/facts/types.js';
import {
  accepted,
  baseFacts,
  conn,
  listener,
  nginxProcess,
  nginxWeb,
  pool,
  webCapture,
  worker,
} from './helpers.js';

/**
 * A healthy host: nginx in front of one pool with an aligned chain, two of eight workers serving
 * requests, nothing queued, nothing in the logs, plenty of memory.
 */
function healthy(): HostFacts {
  return baseFacts({
    fpm: {
      ...baseFacts().fpm,
      pools: [pool('www', { maxChildren: 8, requestTerminateTimeoutSec: 50 })],
      php: { maxExecutionTimeSec: 30 },
    },
    web: nginxWeb(),
    processes: [...Array.from({ length: 8 }, (_, i) => worker(200 + i, 'www')), nginxProcess(50)],
    listeners: [
      listener('/run/php/www.sock', { sendQ: 511, pids: [100, 200, 201, 202, 203, 204, 205, 206, 207] }),
      listener('0.0.0.0:80', { sendQ: 511, pids: [50] }),
    ],
    connections: [
      accepted(200, '/run/php/www.sock'),
      accepted(201, '/run/php/www.sock'),
      conn(201, '10.0.0.11:40000', '10.0.0.20:3306'),
      conn(50, '10.0.0.11:80', '198.51.100.7:50000', { process: 'nginx' }),
    ],
    kernel: { somaxconn: 4096, tcpListenOverflows: 0, tcpListenDrops: 0 },
  });
}

describe('analyze() on the captured incident', () => {
  const { signals, evidence } = analyze(webCapture(), { selfAddresses: [{ host: '203.0.113.10' }] });

  it('derives every signal from one host facts', () => {
    expect(signals.host).toBe('web-capture');
    expect(signals.windowSec).toBe(900);
    expect(signals.poolsExhausted).toBe(1);
    expect(signals.pools.find((p) => p.exhausted)!.name).toBe('tcp');
    expect(signals.selfRequest.pids).toEqual([27615]);
    expect(signals.external.topPeer).toBe('127.0.0.1:19212');
    expect(signals.web.eagain).toBe(1);
    expect(signals.backlog.fullListeners).toBe(2);
    expect(signals.oom).toMatchObject({ kernelKills: 1, matched: 1, history: 3 });
    expect(signals.timeoutChain.terminateOff).toBe(true);
    expect(signals.memory.oversized).toBe(false);
    expect(signals.probes.failed).toBe(0);
  });

  it('evidence is keyed by signal and capped per analyzer', () => {
    expect(Object.keys(evidence).sort()).toEqual(
      [
        'backlog',
        'external',
        'fpm',
        'memory',
        'oom',
        'pools',
        'restart',
        'selfRequest',
        'timeoutChain',
        'web',
      ].sort(),
    );
    for (const lines of Object.values(evidence)) {
      expect(lines!.length).toBeGreaterThan(0);
      expect(lines!.length).toBeLessThanOrEqual(MAX_EVIDENCE);
      for (const e of lines!) expect(e.text.length).toBeGreaterThan(10);
    }
  });

  it('passes restartWindowSec through', () => {
    expect(analyze(webCapture(), { restartWindowSec: 1 }).signals.restart.errorsAfterStart).toBe(0);
  });
});

describe('analyze() on a healthy host raises nothing', () => {
  const { signals, evidence } = analyze(healthy());

  it('no exhaustion, no self-request, no blocked endpoint, chain ok, memory fits', () => {
    expect(signals.fpm).toEqual({
      running: true,
      masters: 1,
      pools: 1,
      masterAgeSec: 86_000,
      reloads: 0,
      socketsMissing: 0,
      portsMissing: 0,
      stoppedCleanly: false,
      stoppedAt: '',
      stopSignal: '',
    });
    expect(signals.pools[0]).toMatchObject({ busy: 2, idle: 6, queued: 0, exhausted: false });
    expect(signals.poolsExhausted).toBe(0);
    expect(signals.web.total).toBe(0);
    expect(signals.backlog).toEqual({ fullListeners: 0, tcpOverflows: 0 });
    expect(signals.selfRequest.workers).toBe(0);
    // The busy worker's database connection is a dependency, not a blocked endpoint by itself.
    expect(signals.external.endpoints.map((e) => e.peer)).toEqual(['10.0.0.20:3306']);
    expect(signals.timeoutChain).toMatchObject({ ok: true, violations: [], terminateOff: false });
    expect(signals.requestTimeouts).toEqual({ kills: 0, matchedWebErrors: 0, beforePhpLimit: 0 });
    expect(signals.oom).toMatchObject({ kernelKills: 0, sigkills: 0 });
    expect(signals.crashes.count).toBe(0);
    expect(signals.memory.oversized).toBe(false);
    expect(signals.slowRequests.count).toBe(0);
    expect(signals.restart).toEqual({
      errorsAfterStart: 0,
      errorsBeforeStart: 0,
      masterStartedInWindow: false,
    });
    expect(signals.probes).toEqual({ failed: 0, missing: [] });
  });

  it('and has no evidence for the problems it did not find', () => {
    for (const key of [
      'web',
      'backlog',
      'selfRequest',
      'timeoutChain',
      'requestTimeouts',
      'oom',
      'crashes',
      'slowRequests',
    ]) {
      expect(evidence[key as keyof typeof evidence], key).toBeUndefined();
    }
  });
});
