import type { EndpointSignal, PoolSignal, Signals } from '../../../src/analysis/signals.js';

/**
 * A host where nothing is wrong: FPM up for a day, one pool at 2 of 10 workers busy, no web
 * errors, a sane timeout chain, memory to spare. Each test overrides only the fields its
 * scenario is about, so what makes a runbook fire is visible in the test itself.
 */
export function healthySignals(): Signals {
  return {
    host: 'web-1',
    windowSec: 900,
    fpm: {
      running: true,
      masters: 1,
      pools: 1,
      masterAgeSec: 86_400,
      reloads: 0,
      socketsMissing: 0,
      portsMissing: 0,
      stoppedCleanly: false,
      stoppedAt: '',
      stopSignal: '',
    },
    pools: [pool()],
    poolsExhausted: 0,
    web: {
      kind: 'nginx',
      total: 0,
      enoent: 0,
      eacces: 0,
      refused: 0,
      eagain: 0,
      connectTimeout: 0,
      readTimeout: 0,
      sendTimeout: 0,
      reset: 0,
      prematureClose: 0,
      noLiveUpstreams: 0,
      tooBigHeader: 0,
    },
    backlog: { fullListeners: 0, tcpOverflows: 0 },
    selfRequest: { workers: 0, targets: [], pids: [] },
    external: { endpoints: [], topPeer: '', topWorkers: 0, topMaxDurationSec: 0, topAvgCpu: 0, topPids: [] },
    abandoned: { workers: 0, pids: [] },
    timeoutChain: {
      maxExecutionTimeSec: 30,
      requestTerminateTimeoutSec: 50,
      webReadTimeoutSec: 60,
      terminateOff: false,
      ok: true,
      violations: [],
      suggested: { maxExecutionTimeSec: 30, requestTerminateTimeoutSec: 50, webReadTimeoutSec: 60 },
    },
    requestTimeouts: { kills: 0, matchedWebErrors: 0, beforePhpLimit: 0 },
    oom: {
      kernelKills: 0,
      matched: 0,
      cgroupKills: 0,
      sigkills: 0,
      cgroupCounter: 0,
      matchedWebErrors: 0,
      history: 0,
    },
    crashes: { count: 0, matchedWebErrors: 0, signals: [] },
    memory: {
      availableKb: 4 * 1024 * 1024,
      budgetKb: 4 * 1024 * 1024 + 5 * 61_440,
      avgWorkerRssKb: 61_440,
      maxChildrenTotal: 10,
      projectedKb: 10 * 61_440,
      oversized: false,
      suggestedMaxChildren: 58,
    },
    slowRequests: { count: 0, topScript: '', topScriptCount: 0, topFrames: [] },
    restart: { errorsAfterStart: 0, errorsBeforeStart: 0, masterStartedInWindow: false },
    probes: { failed: 0, missing: [] },
  };
}

/** `full` follows busy and max_children as the analyzer sets it, unless overridden. */
export function pool(overrides: Partial<PoolSignal> = {}): PoolSignal {
  const p: PoolSignal = {
    name: 'www',
    pm: 'dynamic',
    maxChildren: 10,
    busy: 2,
    idle: 3,
    total: 5,
    busySource: 'status',
    queued: 0,
    backlog: 4096,
    statusOk: true,
    statusTimedOut: false,
    maxChildrenReached: 0,
    exhausted: false,
    listen: '/run/php/php8.2-fpm.sock',
    listenKind: 'unix',
    full: false,
    ...overrides,
  };
  if (overrides.full === undefined) p.full = p.maxChildren > 0 && p.busy >= p.maxChildren;
  return p;
}

/** The pool as the analyzers report it when every worker is busy and connections queue. */
export function exhaustedPool(overrides: Partial<PoolSignal> = {}): PoolSignal {
  return pool({
    busy: 10,
    idle: 0,
    total: 10,
    queued: 37,
    statusOk: false,
    statusTimedOut: true,
    maxChildrenReached: 1,
    exhausted: true,
    ...overrides,
  });
}

export function endpoint(overrides: Partial<EndpointSignal> = {}): EndpointSignal {
  return {
    peer: '10.0.0.50:443',
    workers: 8,
    maxDurationSec: 42.5,
    avgCpu: 0.8,
    pids: [2911, 2912],
    ...overrides,
  };
}

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The healthy baseline with some fields replaced; nested groups merge, lists are replaced whole. */
export function signalsWith(overrides: DeepPartial<Signals>): Signals {
  return merge(healthySignals(), overrides) as Signals;
}

function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (Array.isArray(patch) || patch === null || typeof patch !== 'object') return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = merge(out[key], value);
  return out;
}
