/**
 * The PHP-FPM error log (REFERENCE §2) -> FpmLogEvent[]. Accepted line forms:
 *   [21-Nov-2026 03:35:26] WARNING: [pool dyn] ...                 (local time, no zone)
 *   [21-Nov-2026 03:35:26.445388] NOTICE: pid 17588, fpm_init(), line 83: ...   (log_level = debug)
 *   Nov 21 03:35:26 web-1 php-fpm[812]: [WARNING] [pool dyn] ...   (error_log = syslog, via syslog)
 *   2026-11-21T03:35:26.123+05:30 web-1 php-fpm[812]: [WARNING] ... (rsyslog high-precision)
 * The first line of a `tail -c` is usually cut and is skipped when it has no prefix. The `-tt`
 * config dump that `php-fpm -t` appends to this log is dropped.
 */
import type { FpmLogEvent, FpmLogKind } from '../../facts/types.js';
import { type ParseContext, sinceSecond } from './context.js';
import { localToEpoch, monthIndex, parseUtcOffset } from './time.js';

const FPM_PREFIX =
  /^\[(\d{1,2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\] ([A-Z]+): (?:pid \d+, [\w]+\(\), line \d+: )?(.*)$/;
const SYSLOG_PREFIX =
  /^(\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) \S+ [\w./-]+(?:\[\d+\])?: \[([A-Z]+)\] (.*)$/;
const ISO_SYSLOG_PREFIX =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2}) \S+ [\w./-]+(?:\[\d+\])?: \[([A-Z]+)\] (.*)$/;

interface Prefix {
  time: number;
  level: string;
  msg: string;
}

function parsePrefix(line: string, ctx: ParseContext): Prefix | undefined {
  const off = ctx.clock.utcOffsetMin;
  let m = FPM_PREFIX.exec(line);
  if (m) {
    const month = monthIndex(m[2]!);
    if (month === undefined) return undefined;
    let time = localToEpoch(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), off);
    if (m[7]) time += Number(`0.${m[7]}`);
    return { time, level: m[8]!, msg: m[9]! };
  }
  m = SYSLOG_PREFIX.exec(line);
  if (m) {
    const month = monthIndex(m[1]!);
    if (month === undefined) return undefined;
    // Classic syslog has no year: take the host's, or last year's if that lands in the future.
    const year = new Date((ctx.clock.now + off * 60) * 1000).getUTCFullYear();
    let time = localToEpoch(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), off);
    if (time > ctx.clock.now + 86400) {
      time = localToEpoch(year - 1, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), off);
    }
    return { time, level: m[6]!, msg: m[7]! };
  }
  m = ISO_SYSLOG_PREFIX.exec(line);
  if (m) {
    const zone = m[7] === 'Z' ? 0 : parseUtcOffset(m[7]!);
    const time = localToEpoch(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
      zone,
    );
    return { time, level: m[8]!, msg: m[9]! };
  }
  return undefined;
}

type Fields = Omit<FpmLogEvent, 'time' | 'level' | 'text'>;
type Matcher = [RegExp, (m: RegExpExecArray) => Fields];

const POOL = String.raw`\[pool ([^\]]+)\] `;

const MATCHERS: Matcher[] = [
  [
    new RegExp(`^${POOL}server reached (?:pm\\.)?max_children setting \\((\\d+)\\)`),
    (m) => ({ kind: 'max-children', pool: m[1]!, limit: Number(m[2]) }),
  ],
  [
    new RegExp(
      `^${POOL}seems busy .*spawning (\\d+) children, there are (\\d+) idle, and (\\d+) total children`,
    ),
    (m) => ({
      kind: 'seems-busy',
      pool: m[1]!,
      spawning: Number(m[2]),
      idle: Number(m[3]),
      total: Number(m[4]),
    }),
  ],
  [/^The maximum number of processes has been reached/, () => ({ kind: 'process-max' })],
  [
    new RegExp(
      `^${POOL}child (\\d+) exited on signal (\\d+) \\((\\w+)( - core dumped)?\\) after ([\\d.]+) seconds`,
    ),
    (m) => ({
      kind: 'child-exited',
      pool: m[1]!,
      pid: Number(m[2]),
      signal: Number(m[3]),
      signalName: m[4]!,
      coreDumped: m[5] !== undefined,
      durationSec: Number(m[6]),
    }),
  ],
  [
    new RegExp(`^${POOL}child (\\d+) exited with code (\\d+) after ([\\d.]+) seconds`),
    (m) => ({
      kind: 'child-exited',
      pool: m[1]!,
      pid: Number(m[2]),
      exitCode: Number(m[3]),
      durationSec: Number(m[4]),
    }),
  ],
  [
    new RegExp(`^${POOL}child (\\d+) started`),
    (m) => ({ kind: 'child-started', pool: m[1]!, pid: Number(m[2]) }),
  ],
  [
    new RegExp(
      `^${POOL}child (\\d+), script '(.*)' (?:\\(request: "(.*)"\\) )?(execution timed out|executing too slow) \\(([\\d.]+) sec\\)`,
    ),
    (m) => {
      const f: Fields = {
        kind: m[5] === 'execution timed out' ? 'execution-timed-out' : 'executing-too-slow',
        pool: m[1]!,
        pid: Number(m[2]),
        script: m[3]!,
        durationSec: Number(m[6]),
      };
      if (m[4] !== undefined) f.request = m[4];
      return f;
    },
  ],
  [
    new RegExp(`^${POOL}child (\\d+) said into (?:stderr|stdout): `),
    (m) => ({ kind: 'worker-output', pool: m[1]!, pid: Number(m[2]) }),
  ],
  [/^Reloading in progress/, () => ({ kind: 'reloading' })],
  [/^ready to handle connections/, () => ({ kind: 'ready' })],
  [/^(?:Terminating|Finishing) \.\.\./, () => ({ kind: 'terminating' })],
  [/^exiting, bye-bye!/, () => ({ kind: 'exiting' })],
  [
    /^failed processes threshold \((\d+) in (\d+) sec\) is reached/,
    (m) => ({ kind: 'emergency-restart', limit: Number(m[1]), durationSec: Number(m[2]) }),
  ],
  [
    /^(?:An a|A)nother FPM instance seems to already listen on |^unable to bind listening socket|^failed to listen to address|^FPM initialization failed|^failed to (?:load configuration file|post process the configuration|open error_log)|^\[[^\]]+:\d+\] (?:unknown entry|unable to parse value)|^failed to create new listening socket|^failed to reload: execvp/,
    () => ({ kind: 'startup-error' }),
  ],
];

/** Messages of the `-tt` dump: "\tkey = value", "[section]", the single-space separator. */
function isConfigDump(msg: string): boolean {
  return msg.startsWith('\t') || msg === ' ' || msg === '' || /^\[[^\]\s]+\]$/.test(msg);
}

export function parseFpmLog(text: string, ctx: ParseContext): FpmLogEvent[] {
  const events: FpmLogEvent[] = [];
  // The master announces its pid just before "ready"; the ready event carries it.
  let runningPid: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line) continue;
    const prefix = parsePrefix(line, ctx);
    if (!prefix) continue;
    const { time, level, msg } = prefix;
    if (level === 'NOTICE' || level === 'DEBUG') {
      if (isConfigDump(msg)) continue;
    }
    const running = /^fpm is running, pid (\d+)/.exec(msg);
    if (running) runningPid = Number(running[1]);
    let fields: Fields | undefined;
    for (const [re, build] of MATCHERS) {
      const m = re.exec(msg);
      if (m) {
        fields = build(m);
        break;
      }
    }
    if (!fields) {
      // The DEBUG chatter of log_level = debug is not evidence of anything.
      if (level === 'DEBUG') continue;
      const pool = /^\[pool ([^\]]+)\]/.exec(msg)?.[1];
      fields = pool ? { kind: 'other', pool } : { kind: 'other' };
    }
    if (fields.kind === 'ready' && runningPid !== undefined) fields.pid = runningPid;
    if (time < sinceSecond(ctx)) continue;
    events.push({ time, level, ...fields, kind: fields.kind as FpmLogKind, text: msg });
  }
  return events;
}
