import { endpoint, exhaustedPool, pool, signalsWith } from './signals-builder.js';

/**
 * One scenario per runbook: the signals the analyzers produce in that state, built from the
 * healthy baseline. Each runbook must fire on its own scenario and stay silent on a healthy host.
 */
export const SCENARIOS = {
  'fpm-down': signalsWith({
    fpm: { running: false, masters: 0, pools: 0, masterAgeSec: -1 },
    pools: [],
    web: { total: 40, enoent: 40 },
  }),
  'socket-permission': signalsWith({ web: { total: 25, eacces: 25 } }),
  'pool-exhausted': signalsWith({
    pools: [exhaustedPool()],
    poolsExhausted: 1,
    web: { total: 12, readTimeout: 12 },
  }),
  'listen-backlog-overflow': signalsWith({
    pools: [exhaustedPool({ queued: 4097, backlog: 4096 })],
    poolsExhausted: 1,
    web: { total: 30, eagain: 30 },
    backlog: { fullListeners: 1 },
  }),
  'self-request-deadlock': signalsWith({
    pools: [exhaustedPool()],
    poolsExhausted: 1,
    selfRequest: { workers: 6, targets: ['127.0.0.1:80'], pids: [2911, 2912, 2913, 2914, 2915, 2916] },
    web: { total: 20, readTimeout: 20 },
  }),
  'slow-external-call': signalsWith({
    external: {
      endpoints: [endpoint()],
      topPeer: '10.0.0.50:443',
      topWorkers: 8,
      topMaxDurationSec: 42.5,
      topAvgCpu: 0.8,
    },
  }),
  'timeout-chain-misaligned': signalsWith({
    timeoutChain: {
      requestTerminateTimeoutSec: 0,
      terminateOff: true,
      ok: false,
      violations: ['request_terminate_timeout is 0 (off) in pool www'],
    },
  }),
  'request-timeout-kill': signalsWith({
    requestTimeouts: { kills: 4, matchedWebErrors: 4 },
    web: { total: 4, reset: 4 },
  }),
  'worker-oom-killed': signalsWith({
    oom: { kernelKills: 3, matched: 3, sigkills: 3, cgroupCounter: 3, matchedWebErrors: 2 },
    web: { total: 2, reset: 2 },
  }),
  'worker-crashed': signalsWith({
    crashes: { count: 2, matchedWebErrors: 2, signals: ['SIGSEGV'] },
    web: { total: 2, reset: 2 },
  }),
  'max-children-oversized': signalsWith({
    memory: {
      budgetKb: 2 * 1024 * 1024,
      maxChildrenTotal: 100,
      projectedKb: 100 * 61_440,
      oversized: true,
      suggestedMaxChildren: 27,
    },
    pools: [pool({ maxChildren: 100 })],
  }),
  'slow-requests': signalsWith({
    slowRequests: {
      count: 12,
      topScript: '/srv/app/report.php',
      topScriptCount: 9,
      topFrames: ['PDOStatement->execute() /srv/app/report.php:88', 'buildReport() /srv/app/report.php:12'],
    },
  }),
  'restart-window': signalsWith({
    fpm: { masterAgeSec: 120 },
    web: { total: 14, refused: 9, enoent: 5 },
    restart: { errorsAfterStart: 14, errorsBeforeStart: 0, masterStartedInWindow: true },
  }),
} as const;
