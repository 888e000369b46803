/**
 * The config changes that fix a host's findings for good, computed from its facts and signals
 * (pure). Each finding's runbook names its fix kinds (front matter `fixes:`); the changes of all
 * findings are merged into one plan, so two findings that touch the same directive give one
 * change with both reasons, never two conflicting ones. The sources of each computation are in
 * docs/config-fixes.md.
 */
import { localHosts } from '../analysis/address.js';
import type { Signals } from '../analysis/signals.js';
import { maxExecutionTime, routesTo } from '../analysis/timeout-chain.js';
import type { ConfigAt, FpmPoolConfig, HostFacts, WebFastcgiRoute } from '../facts/types.js';
import type { FixId } from '../runbooks/ids.js';
import { memoryAllowsTotal, type PoolCapacity, p95WorkerRssKb, shareOut } from './capacity.js';
import { apacheTimeoutLine, fpmLine, nginxReadTimeoutLine } from './directives.js';
import { type DirectiveLocation, fpmDirective, iniDirective } from './locate.js';

/**
 * What applies a change: an FPM reload for pool and php.ini values, an FPM restart for listen.*
 * (a reload keeps the sockets FPM inherits, backlog and all), the web server's reload for its own.
 */
export type ReloadTarget = 'fpm' | 'fpm-restart' | 'nginx' | 'apache';

export interface ConfigChange {
  file: string;
  /** As written in the file: `pm.max_children`, `fastcgi_read_timeout`. */
  directive: string;
  /** The pool, `global`, or the web server's location. */
  scope: string;
  /** The value now ('' when not set: the default applies). */
  from: string;
  to: string;
  /** Replace `line` (whose text is `oldText`), or add a line after `after` (0 = the top). */
  at: { line: number; oldText: string } | { after: number };
  /** The line written. */
  newText: string;
  /** One line each, with the numbers: why this value. */
  reasons: string[];
  /** Runbook ids whose finding this change fixes. */
  findings: string[];
  reload: ReloadTarget;
}

export interface FixInput {
  facts: HostFacts;
  signals: Signals;
  capacity: readonly PoolCapacity[];
}

/** A finding and the fix kinds its runbook names. */
export interface FindingFixes {
  runbook: string;
  fixes: readonly FixId[];
}

type Proposal = Omit<ConfigChange, 'findings'>;

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

/** The proposal as a line of the pool file, in place of the old one or under the header. */
function fpmProposal(
  loc: DirectiveLocation | undefined,
  scope: string,
  directive: string,
  to: string,
  reason: string,
): Proposal | undefined {
  if (!loc) return undefined;
  const newText = fpmLine(directive, to);
  if (loc.set) {
    if (loc.value === to) return undefined;
    return {
      file: loc.file,
      directive,
      scope,
      from: loc.value,
      to,
      at: { line: loc.line, oldText: loc.text },
      newText,
      reasons: [reason],
      reload: 'fpm',
    };
  }
  return {
    file: loc.file,
    directive,
    scope,
    from: '',
    to,
    at: { after: loc.after },
    newText,
    reasons: [reason],
    reload: 'fpm',
  };
}

function poolDirective(input: FixInput, pool: FpmPoolConfig, directive: string, to: string, reason: string) {
  const files = input.facts.fpm.configFiles ?? [];
  return fpmProposal(
    fpmDirective(files, pool.masterPid, pool.name, directive),
    pool.name,
    directive,
    to,
    reason,
  );
}

/** pm.max_children: down to what memory holds when oversized, else up to what the load needs. */
function maxChildren(input: FixInput): Proposal[] {
  const { facts, signals } = input;
  const total = memoryAllowsTotal(facts, signals);
  const rss = p95WorkerRssKb(facts);
  const shares = shareOut(facts.fpm.pools, total);
  const out: Proposal[] = [];
  for (const pool of facts.fpm.pools) {
    let to: number | undefined;
    let reason = '';
    if (signals.memory.oversized && total > 0) {
      to = shares.get(pool) ?? pool.maxChildren;
      reason =
        `floor(budget ${mb(signals.memory.budgetKb)} × 80% / p95 worker RSS ${mb(rss)}) = ${total} workers for the host` +
        (facts.fpm.pools.length > 1
          ? `, ${to} of them for ${pool.name} (the smaller pools keep theirs)`
          : '');
      if (to >= pool.maxChildren) to = undefined;
    } else {
      const c = input.capacity.find((x) => x.pool === pool.name);
      if (c && c.recommended > pool.maxChildren) {
        to = c.recommended;
        reason = c.text;
      }
    }
    if (to === undefined) continue;
    const p = poolDirective(input, pool, 'pm.max_children', String(to), reason);
    if (p) out.push(p, ...spares(input, pool, to));
  }
  return out;
}

/**
 * pm = dynamic keeps its spares proportionate to the new max (FPM refuses min/max spare servers
 * above max_children): start = min + (max − min) / 2, as php-fpm.conf's default.
 */
function spares(input: FixInput, pool: FpmPoolConfig, max: number): Proposal[] {
  if (pool.pm !== 'dynamic') return [];
  const minSpare = Math.max(1, Math.floor(max / 10));
  const maxSpare = Math.max(minSpare, Math.floor(max * 0.3));
  const start = minSpare + Math.floor((maxSpare - minSpare) / 2);
  const reason = `pm = dynamic: spares scaled to pm.max_children ${max} (10% / 30%, start between)`;
  const wanted: [string, number, number | undefined][] = [
    ['pm.start_servers', start, pool.startServers],
    ['pm.min_spare_servers', minSpare, pool.minSpareServers],
    ['pm.max_spare_servers', maxSpare, pool.maxSpareServers],
  ];
  return wanted
    .filter(([, value, now]) => now !== value)
    .map(([d, value]) => poolDirective(input, pool, d, String(value), reason))
    .filter((p): p is Proposal => p !== undefined);
}

/**
 * Apache: the line that sets the route's read timeout, with the new value in place: its
 * ProxyTimeout (vhost or main server), or the timeout= of its ProxyPass or ProxySet. Where none is
 * set (Timeout applies) nothing is proposed: ProxyTimeout is not allowed in the <FilesMatch> or
 * <Location> a route usually sits in, and where its vhost opens is not known here.
 */
function apacheReadTimeout(route: WebFastcgiRoute, to: number, reason: string): Proposal | undefined {
  const own = route.readTimeoutAt;
  const r = own ? apacheTimeoutLine(own.text, String(to)) : undefined;
  if (!own || !r) return undefined;
  return {
    file: own.file,
    directive: r.directive,
    scope: route.scope,
    from: r.from,
    to: String(to),
    at: { line: own.line, oldText: own.text },
    newText: r.line,
    reasons: [reason],
    reload: 'apache',
  };
}

/** nginx: the route's own fastcgi_read_timeout, else a line beside its fastcgi_pass. */
function readTimeoutProposal(
  facts: HostFacts,
  route: WebFastcgiRoute,
  to: number,
  reason: string,
): Proposal | undefined {
  if (facts.web?.kind === 'apache') return apacheReadTimeout(route, to, reason);
  if (facts.web?.kind !== 'nginx') return undefined;
  const own: ConfigAt | undefined = route.readTimeoutAt;
  const pass = route.passAt;
  const indent = (own ?? pass)?.text.match(/^\s*/)?.[0] ?? '';
  const newText = nginxReadTimeoutLine(indent, `${to}s`);
  const base = {
    directive: 'fastcgi_read_timeout',
    scope: route.scope,
    to: `${to}s`,
    newText,
    reasons: [reason],
    reload: 'nginx' as const,
  };
  if (own && own.endLine === own.line) {
    return {
      ...base,
      file: own.file,
      from: /fastcgi_read_timeout\s+([^;\s]+)/.exec(own.text)?.[1] ?? '',
      at: { line: own.line, oldText: own.text },
    };
  }
  if (own || !pass) return undefined;
  return { ...base, file: pass.file, from: '', at: { after: pass.endLine } };
}

/**
 * Where php.ini sets what the pool's php_admin_value overrides: the pool line keeps the change to
 * this pool, where php.ini is shared by every pool (and the CLI's PHP, on some layouts).
 */
function iniNote(input: FixInput, pool: FpmPoolConfig): string {
  const ini = iniDirective(input.facts.fpm.configFiles ?? [], pool.masterPid, 'max_execution_time');
  return ini?.set ? ` (overrides ${ini.text.trim()} at ${ini.file}:${ini.line} for this pool only)` : '';
}

/** max_execution_time < request_terminate_timeout < the web server's read timeout, per pool. */
function timeoutChain(input: FixInput): Proposal[] {
  const { facts, signals } = input;
  const s = signals.timeoutChain.suggested;
  const out: Proposal[] = [];
  const isLocal = localHosts(facts);
  const chain = `max_execution_time ${s.maxExecutionTimeSec}s < request_terminate_timeout ${s.requestTerminateTimeoutSec}s < read timeout ${s.webReadTimeoutSec}s`;
  for (const pool of facts.fpm.pools) {
    const routes = routesTo(facts, pool, isLocal);
    const reads = routes.map((r) => Math.ceil(r.readTimeoutSec));
    const rtt = pool.requestTerminateTimeoutSec;
    const rttOk = rtt > 0 && reads.every((r) => rtt < r);
    const terminate = rttOk ? rtt : s.requestTerminateTimeoutSec;
    if (!rttOk) {
      const p = poolDirective(
        input,
        pool,
        'request_terminate_timeout',
        `${terminate}s`,
        `the chain ${chain}: FPM ends a request before the web server gives up`,
      );
      if (p) out.push(p);
    }
    const met = maxExecutionTime(facts, pool)?.sec;
    if (met === undefined || met === 0 || met >= terminate) {
      const exec = Math.min(s.maxExecutionTimeSec, terminate - 1);
      const p = poolDirective(
        input,
        pool,
        'php_admin_value[max_execution_time]',
        String(exec),
        `the chain ${chain}: PHP reports its own timeout before FPM kills the worker${iniNote(input, pool)}`,
      );
      if (p) out.push(p);
    }
    for (const r of routes) {
      if (Math.ceil(r.readTimeoutSec) > terminate) continue;
      const p = readTimeoutProposal(
        facts,
        r,
        s.webReadTimeoutSec,
        `the chain ${chain}: the web server waits longer than FPM lets a request run`,
      );
      if (p) out.push(p);
    }
  }
  return out;
}

/** listen.backlog up to net.core.somaxconn, the kernel's cap on any accept queue. */
function listenBacklog(input: FixInput): Proposal[] {
  const { facts } = input;
  const somaxconn = facts.kernel.somaxconn;
  if (!somaxconn || somaxconn <= 0) return [];
  return facts.fpm.pools
    .filter((p) => p.listenBacklog !== -1 && p.listenBacklog < somaxconn)
    .map((pool): Proposal | undefined => {
      const p = poolDirective(
        input,
        pool,
        'listen.backlog',
        String(somaxconn),
        `up to net.core.somaxconn ${somaxconn}, which caps it anyway (backlog ${pool.listenBacklog} today); takes effect when FPM restarts`,
      );
      return p ? { ...p, reload: 'fpm-restart' } : undefined;
    })
    .filter((p): p is Proposal => p !== undefined);
}

/** process_control_timeout = 10s where it is 0: a reload then lets in-flight requests finish. */
function gracefulReload(input: FixInput): Proposal[] {
  const { facts } = input;
  const files = facts.fpm.configFiles ?? [];
  return facts.fpm.globals
    .filter((g) => g.processControlTimeoutSec <= 0)
    .map((g) =>
      fpmProposal(
        fpmDirective(files, g.masterPid, 'global', 'process_control_timeout'),
        'global',
        'process_control_timeout',
        '10s',
        'process_control_timeout 0 cuts in-flight requests on every reload (502); 10s lets them finish',
      ),
    )
    .filter((p): p is Proposal => p !== undefined);
}

const FIXES: Record<FixId, (input: FixInput) => Proposal[]> = {
  'max-children': maxChildren,
  'timeout-chain': timeoutChain,
  'listen-backlog': listenBacklog,
  'graceful-reload': gracefulReload,
};

/**
 * One change per line: a line two routes share (Apache's ProxyTimeout sets every route of its
 * server) is replaced once, for both scopes; an addition is one per scope and directive.
 */
const keyOf = (c: Pick<ConfigChange, 'file' | 'scope' | 'directive' | 'at'>) =>
  'line' in c.at ? `${c.file}\0@${c.at.line}` : `${c.file}\0${c.scope}\0${c.directive}`;

/** One plan for the host: each directive changed once, with every finding that wanted it. */
export function planFixes(input: FixInput, findings: readonly FindingFixes[]): ConfigChange[] {
  const byKey = new Map<string, ConfigChange>();
  const memo = new Map<FixId, Proposal[]>();
  for (const f of findings) {
    for (const id of f.fixes) {
      if (!memo.has(id)) memo.set(id, FIXES[id](input));
      for (const p of memo.get(id)!) {
        const key = keyOf(p);
        const had = byKey.get(key);
        if (!had) byKey.set(key, { ...p, reasons: [...p.reasons], findings: [f.runbook] });
        else if (had.newText !== p.newText) {
          // Two values for one line: the larger read timeout keeps both routes' chains intact.
          if (Number.parseInt(p.to, 10) > Number.parseInt(had.to, 10))
            Object.assign(had, { to: p.to, newText: p.newText });
          if (!had.findings.includes(f.runbook)) had.findings.push(f.runbook);
        } else {
          if (!had.scope.split(', ').includes(p.scope)) had.scope = `${had.scope}, ${p.scope}`;
          if (!had.findings.includes(f.runbook)) had.findings.push(f.runbook);
          for (const r of p.reasons) if (!had.reasons.includes(r)) had.reasons.push(r);
        }
      }
    }
  }
  return [...byKey.values()];
}
