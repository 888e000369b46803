/**
 * The directives a config fix may write, in one place: how each line is written (plan.ts writes
 * it, apply-config recomputes it and writes nothing that differs) and where FPM's `-tt` shows the
 * value in effect (apply-config's verification). A directive missing here is never written.
 */
import type { FpmGlobalConfig, FpmPoolConfig } from '../facts/types.js';
import type { ConfigChange } from './plan.js';

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);

/** Pool directives, with the value `php-fpm -tt` reports for the pool (seconds for durations). */
export const FPM_POOL_DIRECTIVES: Readonly<Record<string, (p: FpmPoolConfig) => number | undefined>> = {
  'pm.max_children': (p) => p.maxChildren,
  'pm.start_servers': (p) => p.startServers,
  'pm.min_spare_servers': (p) => p.minSpareServers,
  'pm.max_spare_servers': (p) => p.maxSpareServers,
  request_terminate_timeout: (p) => p.requestTerminateTimeoutSec,
  'listen.backlog': (p) => p.listenBacklog,
  'php_admin_value[max_execution_time]': (p) => num(p.phpAdminValues.max_execution_time),
};

/** [global] directives, likewise. */
export const FPM_GLOBAL_DIRECTIVES: Readonly<Record<string, (g: FpmGlobalConfig) => number | undefined>> = {
  process_control_timeout: (g) => g.processControlTimeoutSec,
};

/** An FPM value as a number: "25s" → 25, "2m" → 120, "12" → 12 (FPM's own suffixes). */
export function fpmNumber(value: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(value);
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export function fpmLine(directive: string, to: string): string {
  return `${directive} = ${to}`;
}

/** nginx: `to` with its unit ("30s"), `indent` the whitespace of the line it sits beside. */
export function nginxReadTimeoutLine(indent: string, to: string): string {
  return `${indent}fastcgi_read_timeout ${to};`;
}

/**
 * Apache: the line that sets a route's read timeout with the new value in place, its ProxyTimeout
 * or the timeout= of its ProxyPass/ProxySet; undefined when it sets neither.
 */
export function apacheTimeoutLine(
  oldText: string,
  to: string,
): { line: string; directive: 'ProxyTimeout' | 'timeout='; from: string } | undefined {
  const proxyTimeout = /^(\s*ProxyTimeout\s+)(\S+)/i.exec(oldText);
  const m = proxyTimeout ?? /(\btimeout=)(\d+)/i.exec(oldText);
  if (!m) return undefined;
  return {
    line: oldText.replace(m[0], `${m[1]}${to}`),
    directive: proxyTimeout ? 'ProxyTimeout' : 'timeout=',
    from: m[2]!,
  };
}

/**
 * The line `c` writes, recomputed from its directive, value and (for a replaced web line) the line
 * it replaces; undefined when it is not a line a fix writes. A change whose newText differs was
 * not computed by a fix (a tampered request): apply-config refuses it.
 */
export function expectedLine(c: ConfigChange): string | undefined {
  switch (c.reload) {
    case 'fpm':
    case 'fpm-restart': {
      const known = c.scope === 'global' ? FPM_GLOBAL_DIRECTIVES : FPM_POOL_DIRECTIVES;
      if (!Object.hasOwn(known, c.directive) || fpmNumber(c.to) === undefined) return undefined;
      return fpmLine(c.directive, c.to);
    }
    case 'nginx': {
      if (c.directive !== 'fastcgi_read_timeout' || !/^\d+s$/.test(c.to)) return undefined;
      const indent = /^[ \t]*/.exec(c.newText)![0];
      return nginxReadTimeoutLine(indent, c.to);
    }
    case 'apache': {
      if (!('line' in c.at) || !/^\d+$/.test(c.to)) return undefined;
      const r = apacheTimeoutLine(c.at.oldText, c.to);
      return r && r.directive === c.directive ? r.line : undefined;
    }
  }
}
