import type { Signals } from '../analysis/signals.js';

/**
 * The CEL type of every field of Signals, written once and used three ways: to declare the CEL
 * environment (so a misspelt signal fails at start-up), to convert numbers to what CEL expects
 * (BigInt for int, number for double), and to check template placeholders. The mapped types
 * below make tsc reject this file when Signals gains, loses or retypes a field.
 */
export type LeafSpec = 'int' | 'double' | 'string' | 'bool' | 'list<string>' | 'list<int>';

export interface ObjectSpec {
  fields: { [name: string]: FieldSpec };
}

/** A list of records: CEL needs a named type for the elements to check `p.busy` in `pools.exists(p, ...)`. */
export interface ListSpec {
  listOf: string;
  fields: { [name: string]: LeafSpec };
}

export type FieldSpec = LeafSpec | ObjectSpec | ListSpec;

type SpecFor<T> = [T] extends [string]
  ? 'string'
  : [T] extends [number]
    ? 'int' | 'double'
    : [T] extends [boolean]
      ? 'bool'
      : [T] extends [readonly string[]]
        ? 'list<string>'
        : [T] extends [readonly number[]]
          ? 'list<int>'
          : [T] extends [readonly (infer E)[]]
            ? { listOf: string; fields: FieldsFor<E> }
            : { fields: FieldsFor<T> };

export type FieldsFor<T> = { [K in keyof T]-?: SpecFor<T[K]> };

const POOL: FieldsFor<Signals['pools'][number]> = {
  name: 'string',
  pm: 'string',
  maxChildren: 'int',
  busy: 'int',
  idle: 'int',
  total: 'int',
  busySource: 'string',
  queued: 'int',
  backlog: 'int',
  statusOk: 'bool',
  statusTimedOut: 'bool',
  maxChildrenReached: 'int',
  full: 'bool',
  exhausted: 'bool',
  listen: 'string',
  listenKind: 'string',
};

const ENDPOINT: FieldsFor<Signals['external']['endpoints'][number]> = {
  peer: 'string',
  workers: 'int',
  maxDurationSec: 'double',
  avgCpu: 'double',
  pids: 'list<int>',
};

export const SIGNAL_SPEC: FieldsFor<Signals> = {
  host: 'string',
  windowSec: 'int',
  fpm: {
    fields: {
      running: 'bool',
      masters: 'int',
      pools: 'int',
      masterAgeSec: 'int',
      reloads: 'int',
      socketsMissing: 'int',
      portsMissing: 'int',
      stoppedCleanly: 'bool',
      stoppedAt: 'string',
      stopSignal: 'string',
    },
  },
  pools: { listOf: 'PoolSignal', fields: POOL },
  poolsExhausted: 'int',
  web: {
    fields: {
      kind: 'string',
      total: 'int',
      enoent: 'int',
      eacces: 'int',
      refused: 'int',
      eagain: 'int',
      connectTimeout: 'int',
      readTimeout: 'int',
      sendTimeout: 'int',
      reset: 'int',
      prematureClose: 'int',
      noLiveUpstreams: 'int',
      tooBigHeader: 'int',
    },
  },
  backlog: { fields: { fullListeners: 'int', tcpOverflows: 'int' } },
  selfRequest: { fields: { workers: 'int', targets: 'list<string>', pids: 'list<int>' } },
  external: {
    fields: {
      endpoints: { listOf: 'EndpointSignal', fields: ENDPOINT },
      topPeer: 'string',
      topWorkers: 'int',
      topMaxDurationSec: 'double',
      topAvgCpu: 'double',
      topPids: 'list<int>',
    },
  },
  abandoned: { fields: { workers: 'int', pids: 'list<int>' } },
  timeoutChain: {
    fields: {
      maxExecutionTimeSec: 'int',
      requestTerminateTimeoutSec: 'int',
      webReadTimeoutSec: 'int',
      terminateOff: 'bool',
      ok: 'bool',
      violations: 'list<string>',
      suggested: {
        fields: { maxExecutionTimeSec: 'int', requestTerminateTimeoutSec: 'int', webReadTimeoutSec: 'int' },
      },
    },
  },
  requestTimeouts: { fields: { kills: 'int', matchedWebErrors: 'int', beforePhpLimit: 'int' } },
  oom: {
    fields: {
      kernelKills: 'int',
      matched: 'int',
      cgroupKills: 'int',
      sigkills: 'int',
      cgroupCounter: 'int',
      matchedWebErrors: 'int',
      history: 'int',
    },
  },
  crashes: { fields: { count: 'int', matchedWebErrors: 'int', signals: 'list<string>' } },
  memory: {
    fields: {
      availableKb: 'int',
      budgetKb: 'int',
      avgWorkerRssKb: 'int',
      maxChildrenTotal: 'int',
      projectedKb: 'int',
      oversized: 'bool',
      suggestedMaxChildren: 'int',
    },
  },
  slowRequests: {
    fields: { count: 'int', topScript: 'string', topScriptCount: 'int', topFrames: 'list<string>' },
  },
  restart: {
    fields: { errorsAfterStart: 'int', errorsBeforeStart: 'int', masterStartedInWindow: 'bool' },
  },
  probes: { fields: { failed: 'int', missing: 'list<string>' } },
};

export const SIGNAL_KEYS = Object.keys(SIGNAL_SPEC) as (keyof Signals)[];

export function isListSpec(spec: FieldSpec): spec is ListSpec {
  return typeof spec === 'object' && 'listOf' in spec;
}

/** Every leaf as a dotted path ("pools.busy" for a field of the list's elements), for docs and suggestions. */
export function leafPaths(fields: { [name: string]: FieldSpec } = SIGNAL_SPEC, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    const path = prefix + name;
    if (typeof spec === 'string') out.push(path);
    else out.push(...leafPaths(spec.fields, `${path}.`));
  }
  return out;
}

/**
 * The signals that name workers: the lists of ints outside lists ("selfRequest.pids",
 * "abandoned.pids"), which a runbook's `workers:` key may name so the report can list the workers
 * kill-stuck-workers would end (src/report/named-workers.ts).
 */
export const WORKER_PID_PATHS: readonly string[] = pidPaths(SIGNAL_SPEC, '');

function pidPaths(fields: { [name: string]: FieldSpec }, prefix: string): string[] {
  return Object.entries(fields).flatMap(([name, spec]) => {
    if (spec === 'list<int>') return [prefix + name];
    return typeof spec === 'object' && !isListSpec(spec) ? pidPaths(spec.fields, `${prefix}${name}.`) : [];
  });
}

/** The pids at one of WORKER_PID_PATHS; [] when the path leads nowhere (a stored older signal set). */
export function workerPidsAt(signals: Signals, path: string): number[] {
  let at: unknown = signals;
  for (const key of path.split('.')) at = (at as Record<string, unknown> | undefined)?.[key];
  return Array.isArray(at) ? at.filter((pid): pid is number => Number.isInteger(pid)) : [];
}
