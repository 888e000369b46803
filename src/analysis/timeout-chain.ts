/**
 * The timeout chain: max_execution_time < request_terminate_timeout < web read timeout.
 *
 * Each layer should give up before the one in front of it, so the user gets the most specific
 * failure and no worker keeps running for a client that is gone. max_execution_time is CPU time
 * on Linux (§8.2): only request_terminate_timeout frees a worker stuck in I/O, so 0 (off) is the
 * worst break of all — the web server answers 504 and the worker stays busy.
 */
import type { FpmPoolConfig, HostFacts, WebFastcgiRoute } from '../facts/types.js';
import { type LocalTest, localHosts, reaches } from './address.js';
import { capEvidence } from './evidence.js';
import { activePools } from './scope.js';
import type { AnalyzerResult, Evidence, Signals, TimeoutSuggestion } from './signals.js';

interface Setting {
  sec: number;
  from: string;
}

/** php_admin_value beats php_value (a script cannot change it), which beats php.ini. */
export function maxExecutionTime(facts: HostFacts, pool: FpmPoolConfig): Setting | undefined {
  const candidates: [string | undefined, string][] = [
    [pool.phpAdminValues['max_execution_time'], 'php_admin_value'],
    [pool.phpValues['max_execution_time'], 'php_value'],
  ];
  for (const [value, from] of candidates) {
    if (value !== undefined && /^\s*-?\d+\s*$/.test(value)) return { sec: Number(value), from };
  }
  const ini = facts.fpm.php.maxExecutionTimeSec;
  if (ini === undefined) return undefined;
  return { sec: ini, from: facts.fpm.php.loadedFile ? `php.ini ${facts.fpm.php.loadedFile}` : 'php.ini' };
}

/**
 * FPM's kill comes before PHP's own limit: request_terminate_timeout is set and max_execution_time
 * is 0 (unlimited) or not below it. Requests killed on such a pool are killed by the chain's order,
 * not for running too long: PHP would have let them run on.
 */
export function terminateCutsBeforePhp(facts: HostFacts, pool: FpmPoolConfig): boolean {
  const rtt = pool.requestTerminateTimeoutSec;
  const met = maxExecutionTime(facts, pool);
  return rtt > 0 && met !== undefined && (met.sec === 0 || met.sec >= rtt);
}

export function routesTo(
  facts: HostFacts,
  pool: FpmPoolConfig,
  isLocal: LocalTest = localHosts(facts),
): WebFastcgiRoute[] {
  return (facts.web?.routes ?? []).filter((r) =>
    r.target.kind === 'upstream'
      ? r.target.servers.some((s) => reaches(s, pool.listen, isLocal))
      : reaches(r.target, pool.listen, isLocal),
  );
}

function readDirective(facts: HostFacts): string {
  return facts.web?.kind === 'apache'
    ? 'Apache proxy timeout (ProxyTimeout/timeout=)'
    : 'fastcgi_read_timeout';
}

function poolViolations(facts: HostFacts, pool: FpmPoolConfig, routes: WebFastcgiRoute[]): string[] {
  const out: string[] = [];
  const server = facts.web?.kind ?? 'the web server';
  const rtt = pool.requestTerminateTimeoutSec;
  const met = maxExecutionTime(facts, pool);
  const byRead = [...routes].sort((a, b) => a.readTimeoutSec - b.readTimeoutSec);
  const tightest = byRead[0];
  if (rtt === 0) {
    const web = tightest
      ? `; ${server} gives up after ${tightest.readTimeoutSec}s (${readDirective(facts)} at ${tightest.scope}) and answers 504 while the worker stays busy`
      : '';
    out.push(
      `pool ${pool.name}: request_terminate_timeout is 0 (off): a request stuck in I/O is never killed by FPM${web}`,
    );
  }
  if (met && terminateCutsBeforePhp(facts, pool)) {
    if (met.sec === 0) {
      out.push(
        `pool ${pool.name}: max_execution_time is 0 (unlimited, ${met.from}): PHP never stops a runaway script itself; FPM kills it at request_terminate_timeout ${rtt}s and the user gets a 502`,
      );
    } else {
      out.push(
        `pool ${pool.name}: max_execution_time ${met.sec}s (${met.from}) is not below request_terminate_timeout ${rtt}s: FPM kills the worker (502) before PHP can stop the script with a timeout error`,
      );
    }
  }
  const tooShort = byRead.filter((r) => rtt > 0 && r.readTimeoutSec <= rtt);
  if (tooShort.length > 0) {
    const r = tooShort[0]!;
    const more =
      tooShort.length > 1 ? ` (and ${tooShort.length - 1} more route${tooShort.length > 2 ? 's' : ''})` : '';
    out.push(
      `pool ${pool.name}: request_terminate_timeout ${rtt}s is not below ${readDirective(facts)} ${r.readTimeoutSec}s at ${r.scope}${more}: ${server} answers 504 at ${r.readTimeoutSec}s while the worker keeps running up to ${rtt}s`,
    );
  }
  return out;
}

/** The gap between two layers: enough for the inner one to report before the outer gives up. */
const gap = (sec: number) => (sec >= 20 ? 5 : 1);

/**
 * Keeps what already fits and fills in the rest below the web server's longest read timeout
 * (shortening what users get today is not a fix; the shorter routes named in the violations
 * are raised to it).
 */
export function suggestChain(current: {
  maxExecutionTimeSec: number;
  requestTerminateTimeoutSec: number;
  longestReadSec: number;
}): TimeoutSuggestion {
  const read = Math.max(current.longestReadSec > 0 ? Math.ceil(current.longestReadSec) : 60, 3);
  const t = current.requestTerminateTimeoutSec;
  const terminate = t >= 2 && t < read ? t : read - gap(read);
  const m = current.maxExecutionTimeSec;
  const exec = m > 0 && m < terminate ? m : terminate - gap(terminate);
  return { maxExecutionTimeSec: exec, requestTerminateTimeoutSec: terminate, webReadTimeoutSec: read };
}

export function analyzeTimeoutChain(facts: HostFacts): AnalyzerResult<'timeoutChain'> {
  const isLocal = localHosts(facts);
  const pools = activePools(facts);
  const routesByPool = pools.map((p) => routesTo(facts, p, isLocal));
  const violations = pools.flatMap((p, i) => poolViolations(facts, p, routesByPool[i]!));

  const mets = pools.map((p) => maxExecutionTime(facts, p)?.sec).filter((v): v is number => v !== undefined);
  let maxExecutionTimeSec = -1;
  if (mets.length > 0) maxExecutionTimeSec = mets.includes(0) ? 0 : Math.max(...mets);
  else if (pools.length === 0 && facts.fpm.php.maxExecutionTimeSec !== undefined) {
    maxExecutionTimeSec = facts.fpm.php.maxExecutionTimeSec;
  }
  const rtts = pools.map((p) => p.requestTerminateTimeoutSec);
  const terminateOff = rtts.includes(0);
  const requestTerminateTimeoutSec = rtts.length === 0 ? -1 : terminateOff ? 0 : Math.min(...rtts);
  // With no pool config, every FastCGI route is in front of some FPM.
  const routes = pools.length > 0 ? routesByPool.flat() : (facts.web?.routes ?? []);
  // nginx takes "1500ms": rounded up, an integer request_terminate_timeout compares with it as before.
  const reads = routes.map((r) => Math.ceil(r.readTimeoutSec));
  const webReadTimeoutSec = reads.length > 0 ? Math.min(...reads) : -1;

  const value: Signals['timeoutChain'] = {
    maxExecutionTimeSec,
    requestTerminateTimeoutSec,
    webReadTimeoutSec,
    terminateOff,
    ok: violations.length === 0,
    violations,
    suggested: suggestChain({
      maxExecutionTimeSec,
      requestTerminateTimeoutSec,
      longestReadSec: reads.length > 0 ? Math.max(...reads) : -1,
    }),
  };
  const evidence: Evidence[] = violations.map((text) => ({ source: 'config', text }));
  return { key: 'timeoutChain', value, evidence: capEvidence(evidence) };
}
