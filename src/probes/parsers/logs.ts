import type {
  AccessLogEntry,
  FpmLogEvent,
  FpmPoolConfig,
  ProbeFailure,
  SlowLogEntry,
  WebErrorEvent,
} from '../../facts/types.js';
import { sectionFailures } from '../section-failures.js';
import type { Section } from '../sections.js';
import { parseAccessLog } from './access-log.js';
import { parseApacheErrorLog } from './apache-error-log.js';
import type { ParseContext } from './context.js';
import { parseFpmLog } from './fpm-log.js';
import { parseNginxErrorLog } from './nginx-error-log.js';
import { parseSlowLog } from './slow-log.js';

export interface LogFacts {
  fpmLog: FpmLogEvent[];
  slowLog: SlowLogEntry[];
  accessLog: AccessLogEntry[];
  webErrors: WebErrorEvent[];
  failures: ProbeFailure[];
}

/** One log section parsed with no window: every event it holds, for coverage checks. */
function eventsOf(s: Section, ctx: ParseContext, pools: readonly FpmPoolConfig[]): { time: number }[] {
  switch (s.attrs.kind) {
    case 'fpm-error':
      return parseFpmLog(s.body, ctx);
    case 'fpm-slow':
      return parseSlowLog(s.body, ctx);
    case 'fpm-access':
      return parseAccessLog(s.body, pools.find((p) => p.accessLog === s.attrs.path)?.accessFormat, ctx);
    case 'nginx-error':
      return parseNginxErrorLog(s.body, ctx);
    case 'apache-error':
      return parseApacheErrorLog(s.body, ctx);
    default:
      return [];
  }
}

/**
 * Whether a tail reaches back to the window's start. A tail that was cut (the file is larger than
 * what was read) and whose oldest line is still inside the window may be missing part of the
 * incident: read more of it. A tail that reaches before the window is enough, however large the
 * file: that is what keeps the bytes read flat when a log's history grows.
 */
export function tailCoversWindow(s: Section, ctx: ParseContext, pools: readonly FpmPoolConfig[]): boolean {
  if (s.attrs.truncated !== '1') return true;
  const times = eventsOf(s, { clock: ctx.clock, since: Number.NEGATIVE_INFINITY }, pools)
    .map((e) => e.time)
    .filter((t) => t > 0);
  if (times.length === 0) return false;
  return Math.min(...times) < ctx.since;
}

/** Routes each `log` section of logs.sh to the parser for its kind. */
export function parseLogSections(
  sections: readonly Section[],
  ctx: ParseContext,
  pools: readonly FpmPoolConfig[],
): LogFacts {
  const out: LogFacts = {
    fpmLog: [],
    slowLog: [],
    accessLog: [],
    webErrors: [],
    failures: sectionFailures('logs', sections),
  };
  for (const s of sections) {
    if (s.kind !== 'section' || s.name !== 'log') continue;
    switch (s.attrs.kind) {
      case 'fpm-error':
        out.fpmLog.push(...parseFpmLog(s.body, ctx));
        break;
      case 'fpm-slow':
        out.slowLog.push(...parseSlowLog(s.body, ctx));
        break;
      case 'fpm-access': {
        const owners = pools.filter((p) => p.accessLog === s.attrs.path);
        const entries = parseAccessLog(s.body, owners[0]?.accessFormat, ctx);
        // One file per pool is the norm; tag entries so analyzers can attribute them.
        if (owners.length === 1) for (const e of entries) e.pool ??= owners[0]!.name;
        out.accessLog.push(...entries);
        break;
      }
      case 'nginx-error':
        out.webErrors.push(...parseNginxErrorLog(s.body, ctx));
        break;
      case 'apache-error':
        out.webErrors.push(...parseApacheErrorLog(s.body, ctx));
        break;
    }
  }
  return out;
}
