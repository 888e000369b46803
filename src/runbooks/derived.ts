import type { PoolSignal, Signals } from '../analysis/signals.js';
import type { FieldsFor } from './signal-spec.js';

/**
 * Values runbook text needs but conditions do not: the numbers of a config change computed for
 * this host (pm.max_children shared out between pools, a slowlog timeout under the terminate
 * timeout), exact commands for the pool's own socket,
 * and readable forms of raw signals (-1 becomes "unknown"). Templates stay logic-less because
 * the logic lives here. Available in templates as {{derived.<name>}}, never in conditions.
 */
export interface Derived {
  /** The log window, e.g. "15m". */
  window: string;
  /** "nginx", "Apache" or "the web server". */
  webServer: string;
  /** The directive that bounds how long the web server waits for FPM. */
  webReadTimeoutDirective: string;
  /** Refused + ENOENT connect errors. */
  connectErrors: number;
  /** Connect errors that mean "nobody can take this connection": EAGAIN + connect timeouts. */
  queueErrors: number;
  /** Pools with every worker busy (flagged exhausted, else full). */
  exhaustedPools: string[];
  exhaustedPoolDetail: string[];
  /** Listeners whose accept queue is at its backlog. */
  fullListenerDetail: string[];
  /** The pool the commands in a runbook body point at: the first exhausted one, else the first. */
  primaryPool: string;
  primaryListen: string;
  primaryMaxChildren: number;
  primarySuggestedMaxChildren: number;
  primaryBacklog: number;
  /** A backlog that absorbs a short burst (4 x max_children, at least 511); the kernel caps it at somaxconn. */
  suggestedBacklog: number;
  /** `ss` showing the primary pool's listen queue (Recv-Q) and backlog (Send-Q). */
  ssListenCommand: string;
  /** What `cgi-fcgi -connect` takes for the primary pool. */
  fcgiConnect: string;
  suggestedMaxChildrenSplit: string[];
  /** "about 24 workers in total", or why it is unknown. */
  maxChildrenFit: string;
  maxChildrenAdvice: string;
  availableMb: number;
  budgetMb: number;
  projectedMb: number;
  avgWorkerRssMb: number;
  maxExecutionTimeText: string;
  requestTerminateTimeoutText: string;
  webReadTimeoutText: string;
  /** request_slowlog_timeout well under the suggested request_terminate_timeout, so slow requests get traced. */
  suggestedSlowlogTimeoutSec: number;
  masterAge: string;
  /** How FPM went down, where its log tells: "stopped cleanly at 07:41:12 (SIGTERM or SIGINT)"; else "not running". */
  fpmStop: string;
}

export const DERIVED_SPEC: FieldsFor<Derived> = {
  window: 'string',
  webServer: 'string',
  webReadTimeoutDirective: 'string',
  connectErrors: 'int',
  queueErrors: 'int',
  exhaustedPools: 'list<string>',
  exhaustedPoolDetail: 'list<string>',
  fullListenerDetail: 'list<string>',
  primaryPool: 'string',
  primaryListen: 'string',
  primaryMaxChildren: 'int',
  primarySuggestedMaxChildren: 'int',
  primaryBacklog: 'int',
  suggestedBacklog: 'int',
  ssListenCommand: 'string',
  fcgiConnect: 'string',
  suggestedMaxChildrenSplit: 'list<string>',
  maxChildrenFit: 'string',
  maxChildrenAdvice: 'string',
  availableMb: 'int',
  budgetMb: 'int',
  projectedMb: 'int',
  avgWorkerRssMb: 'int',
  maxExecutionTimeText: 'string',
  requestTerminateTimeoutText: 'string',
  webReadTimeoutText: 'string',
  suggestedSlowlogTimeoutSec: 'int',
  masterAge: 'string',
  fpmStop: 'string',
};

const DEFAULT_SOCKET = '/run/php/php-fpm.sock';

export function derive(signals: Signals): Derived {
  const pools = signals.pools ?? [];
  const full = pools.filter((p) => p.full);
  const exhausted = pools.some((p) => p.exhausted) ? pools.filter((p) => p.exhausted) : full;
  const primary = exhausted[0] ?? pools[0];
  const terminate = signals.timeoutChain.suggested.requestTerminateTimeoutSec;
  const split = splitMaxChildren(pools, signals.memory.suggestedMaxChildren);
  const listen = primary?.listen || DEFAULT_SOCKET;
  const kind = primary?.listenKind ?? 'unix';
  const backlog = primary?.backlog ?? 0;
  return {
    window: duration(signals.windowSec),
    webServer: webServerName(signals.web.kind),
    webReadTimeoutDirective: readTimeoutDirective(signals.web.kind),
    connectErrors: signals.web.enoent + signals.web.refused,
    queueErrors: signals.web.eagain + signals.web.connectTimeout,
    exhaustedPools: exhausted.map((p) => p.name),
    exhaustedPoolDetail: exhausted.map(poolDetail),
    fullListenerDetail: pools
      .filter((p) => p.backlog > 0 && p.queued >= p.backlog)
      .map((p) => `${p.name} (${p.listen}): ${p.queued} queued, backlog ${p.backlog}`),
    primaryPool: primary?.name ?? 'www',
    primaryListen: listen,
    primaryMaxChildren: primary?.maxChildren ?? 0,
    primarySuggestedMaxChildren: split.get(primary?.name ?? '') ?? signals.memory.suggestedMaxChildren,
    primaryBacklog: backlog,
    suggestedBacklog: Math.max(511, nextPowerOfTwo((primary?.maxChildren ?? 0) * 4) - 1),
    ssListenCommand: kind === 'tcp' ? `ss -ltn 'sport = :${port(listen)}'` : `ss -lx src ${unixPath(listen)}`,
    fcgiConnect: kind === 'tcp' ? tcpConnect(listen) : unixPath(listen),
    suggestedMaxChildrenSplit: [...split].map(([name, n]) => `[${name}] pm.max_children = ${n}`),
    maxChildrenFit:
      signals.memory.suggestedMaxChildren > 0
        ? `about ${signals.memory.suggestedMaxChildren} workers in total`
        : 'an unknown number of workers (memory or worker size could not be read)',
    maxChildrenAdvice: maxChildrenAdvice(signals.memory),
    availableMb: mb(signals.memory.availableKb),
    budgetMb: mb(signals.memory.budgetKb),
    projectedMb: mb(signals.memory.projectedKb),
    avgWorkerRssMb: mb(signals.memory.avgWorkerRssKb),
    maxExecutionTimeText: seconds(signals.timeoutChain.maxExecutionTimeSec, '0 (no limit)'),
    requestTerminateTimeoutText: signals.timeoutChain.terminateOff
      ? '0 (off)'
      : seconds(signals.timeoutChain.requestTerminateTimeoutSec, '0 (off)'),
    webReadTimeoutText: seconds(signals.timeoutChain.webReadTimeoutSec, '0'),
    suggestedSlowlogTimeoutSec: Math.max(1, Math.min(5, Math.floor(terminate / 4))),
    masterAge: signals.fpm.masterAgeSec < 0 ? 'no master running' : duration(signals.fpm.masterAgeSec),
    fpmStop: fpmStop(signals.fpm),
  };
}

function fpmStop(fpm: Signals['fpm']): string {
  if (fpm.masters > 0) return `running (${fpm.masters} master${fpm.masters > 1 ? 's' : ''})`;
  if (!fpm.stoppedCleanly) return 'not running, with no clean shutdown in its log (killed or crashed)';
  return `stopped cleanly at ${fpm.stoppedAt}${fpm.stopSignal ? ` (${fpm.stopSignal})` : ''}`;
}

/** The memory-safe total shared by pools in proportion to their current max_children. */
function splitMaxChildren(pools: readonly PoolSignal[], total: number): Map<string, number> {
  const out = new Map<string, number>();
  const configured = pools.reduce((sum, p) => sum + Math.max(0, p.maxChildren), 0);
  if (total <= 0 || configured <= 0) return out;
  for (const p of pools) out.set(p.name, Math.max(1, Math.floor((total * p.maxChildren) / configured)));
  return out;
}

function maxChildrenAdvice(memory: Signals['memory']): string {
  const fits = memory.suggestedMaxChildren;
  const now = memory.maxChildrenTotal;
  const each = mb(memory.avgWorkerRssKb);
  if (fits <= 0 || memory.avgWorkerRssKb <= 0) {
    return 'The average worker size is unknown: measure worker RSS (ps) before raising pm.max_children.';
  }
  if (fits > now) {
    return (
      `Memory fits about ${fits} workers in total (${now} configured, ~${each} MB each), so pm.max_children ` +
      `may be raised up to that. Only do it if the workers are busy doing real work: more workers waiting ` +
      `on the same slow thing only move the queue.`
    );
  }
  return (
    `Memory fits only about ${fits} workers in total (${now} configured, ~${each} MB each): do not raise ` +
    `pm.max_children, that trades 502s for OOM kills. Make requests faster or add capacity elsewhere.`
  );
}

function poolDetail(p: PoolSignal): string {
  const queue = p.statusTimedOut && p.queued === 0 ? 'status page timed out' : `${p.queued} queued`;
  return `${p.name}: ${p.busy}/${p.maxChildren} busy, ${queue}`;
}

function webServerName(kind: string): string {
  if (kind === 'nginx') return 'nginx';
  if (kind === 'apache') return 'Apache';
  return 'the web server';
}

function readTimeoutDirective(kind: string): string {
  if (kind === 'nginx') return 'fastcgi_read_timeout';
  if (kind === 'apache') return 'ProxyTimeout';
  return 'fastcgi_read_timeout (nginx) / ProxyTimeout (Apache)';
}

function unixPath(listen: string): string {
  return listen.replace(/^unix:/, '');
}

function port(listen: string): string {
  return /(\d+)$/.exec(listen)?.[1] ?? listen;
}

/** cgi-fcgi needs an address it can connect to: a bare port or a wildcard means loopback. */
function tcpConnect(listen: string): string {
  const p = port(listen);
  const host = /^(.*):\d+$/.exec(listen)?.[1];
  if (host === undefined || host === '' || host === '*' || host === '0.0.0.0' || host === '[::]') {
    return `127.0.0.1:${p}`;
  }
  return `${host}:${p}`;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function mb(kb: number): number {
  return kb > 0 ? Math.round(kb / 1024) : 0;
}

function seconds(value: number, zero: string): string {
  if (value < 0) return 'unknown';
  if (value === 0) return zero;
  return `${value}s`;
}

function duration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return 'unknown';
  if (sec < 120) return `${Math.round(sec)}s`;
  if (sec < 7200) return `${Math.round(sec / 60)}m`;
  if (sec < 172800) return `${Math.round(sec / 3600)}h`;
  return `${Math.round(sec / 86400)}d`;
}
