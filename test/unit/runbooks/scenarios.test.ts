import { describe, expect, it } from 'vitest';
import { SHIPPED_RUNBOOK_IDS } from '../../../src/runbooks/ids.js';
import { matched } from './helpers.js';
import { SCENARIOS } from './scenarios.js';
import { endpoint, healthySignals, pool, signalsWith } from './signals-builder.js';

describe('every runbook fires on its state and not on a healthy host', () => {
  it('covers every shipped runbook', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...SHIPPED_RUNBOOK_IDS].sort());
  });

  it('a healthy host matches nothing', async () => {
    expect(await matched(healthySignals())).toEqual([]);
  });

  for (const [id, signals] of Object.entries(SCENARIOS)) {
    it(id, async () => {
      expect(await matched(signals)).toContain(id);
    });
  }

  it('each scenario matches only what its state implies', async () => {
    const all: Record<string, string[]> = {};
    for (const [id, signals] of Object.entries(SCENARIOS)) all[id] = await matched(signals);
    expect(all).toEqual({
      'fpm-down': ['fpm-down'],
      'socket-permission': ['socket-permission'],
      'pool-exhausted': ['pool-exhausted'],
      'listen-backlog-overflow': ['listen-backlog-overflow', 'pool-exhausted'],
      'self-request-deadlock': ['pool-exhausted', 'self-request-deadlock'],
      'slow-external-call': ['slow-external-call'],
      'timeout-chain-misaligned': ['timeout-chain-misaligned'],
      'request-timeout-kill': ['request-timeout-kill'],
      'worker-oom-killed': ['worker-oom-killed'],
      'worker-crashed': ['worker-crashed'],
      'max-children-oversized': ['max-children-oversized'],
      'slow-requests': ['slow-requests'],
      'restart-window': ['restart-window'],
    });
  });
});

describe('conditions are specific', () => {
  it('fpm-down: a missing socket with refused errors also counts while a master runs', async () => {
    expect(
      await matched(signalsWith({ fpm: { socketsMissing: 1 }, web: { total: 12, refused: 12 } })),
    ).toEqual(['fpm-down']);
  });

  it('fpm-down: no master and no errors is not a finding when the process table could not be read', async () => {
    const unreadable = signalsWith({
      fpm: { running: false, masters: 0, masterAgeSec: -1 },
      probes: { failed: 1, missing: ['runtime'] },
    });
    expect(await matched(unreadable)).toEqual([]);
  });

  it('refused errors right after a start with FPM up now are restart-window, not fpm-down', async () => {
    const found = await matched(
      signalsWith({
        fpm: { masterAgeSec: 60 },
        web: { total: 5, refused: 5 },
        restart: { errorsAfterStart: 5, masterStartedInWindow: true },
      }),
    );
    expect(found).toEqual(['restart-window']);
  });

  it('restart-window: not when most errors came long before the start', async () => {
    const found = await matched(
      signalsWith({
        fpm: { masterAgeSec: 60 },
        web: { total: 45, refused: 45 },
        restart: { errorsAfterStart: 5, errorsBeforeStart: 40, masterStartedInWindow: true },
      }),
    );
    expect(found).not.toContain('restart-window');
  });

  it('pool-exhausted: every worker busy but nothing waiting is not exhaustion', async () => {
    const busy = pool({ busy: 10, idle: 0, total: 10 });
    expect(await matched(signalsWith({ pools: [busy] }))).toEqual([]);
  });

  it('pool-exhausted: a queue with idle workers left is not exhaustion', async () => {
    expect(await matched(signalsWith({ pools: [pool({ queued: 3 })] }))).toEqual([]);
  });

  it('listen-backlog-overflow: connect timeouts count only with a TCP pool', async () => {
    const timeouts = { web: { total: 5, connectTimeout: 5 } };
    expect(await matched(signalsWith(timeouts))).toEqual([]);
    const tcp = signalsWith({ ...timeouts, pools: [pool({ listen: '127.0.0.1:9000', listenKind: 'tcp' })] });
    expect(await matched(tcp)).toEqual(['listen-backlog-overflow']);
  });

  it('self-request-deadlock: self connections without a full pool are not a deadlock', async () => {
    const found = await matched(
      signalsWith({ selfRequest: { workers: 2, targets: ['127.0.0.1:80'], pids: [1, 2] } }),
    );
    expect(found).toEqual([]);
  });

  it('slow-external-call: long requests burning CPU are not waiting on the remote end', async () => {
    const cpuBound = signalsWith({
      external: {
        endpoints: [endpoint({ avgCpu: 85 })],
        topPeer: '10.0.0.50:443',
        topWorkers: 8,
        topMaxDurationSec: 42.5,
        topAvgCpu: 85,
      },
    });
    expect(await matched(cpuBound)).toEqual([]);
  });

  it('request-timeout-kill: kills nobody saw as an error are not reported', async () => {
    expect(await matched(signalsWith({ requestTimeouts: { kills: 3, matchedWebErrors: 0 } }))).toEqual([]);
  });

  it('worker-oom-killed: SIGKILL exits count when the cgroup counted OOM kills (dmesg rotated)', async () => {
    const rotated = signalsWith({ oom: { sigkills: 2, cgroupCounter: 2 } });
    expect(await matched(rotated)).toEqual(['worker-oom-killed']);
    expect(await matched(signalsWith({ oom: { sigkills: 2 } }))).toEqual([]);
  });

  it('worker-crashed: a crash with no failed request in the web log is not reported', async () => {
    expect(await matched(signalsWith({ crashes: { count: 1, signals: ['SIGSEGV'] } }))).toEqual([]);
  });

  it('slow-requests: one slow request on an otherwise fine host is noise', async () => {
    const one = { slowRequests: { count: 1, topScript: '/srv/a.php', topScriptCount: 1, topFrames: [] } };
    expect(await matched(signalsWith(one))).toEqual([]);
    expect(await matched(signalsWith({ ...one, web: { total: 1, readTimeout: 1 } }))).toEqual([
      'slow-requests',
    ]);
  });
});
