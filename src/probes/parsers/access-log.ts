/**
 * The FPM access log (REFERENCE §3.2), whose layout is the pool's `access.format` (as `-tt`
 * dumps it, unquoted). compileAccessFormat turns the format into one anchored regex; fields the
 * format lacks (duration, CPU, memory...) are simply absent from the entries.
 * Default format when access.log is set without access.format: `%R - %u %t "%m %r" %s`.
 */
import type { AccessLogEntry } from '../../facts/types.js';
import { type ParseContext, sinceSecond } from './context.js';
import { localToEpoch, monthIndex, parseUtcOffset } from './time.js';

export const DEFAULT_ACCESS_FORMAT = '%R - %u %t "%m %r" %s';

type Setter = (e: AccessLogEntry & { _q?: string; _Q?: string; _r?: string }, v: string) => void;

interface TimeParts {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  offsetMin?: number;
  epoch?: number;
}

/** strftime directive -> [regex, setter]; the ones FPM users put in %{...}t in practice. */
const STRFTIME: Record<string, [string, (t: TimeParts, v: string) => void]> = {
  Y: ['\\d{4}', (t, v) => (t.year = Number(v))],
  y: ['\\d{2}', (t, v) => (t.year = 2000 + Number(v))],
  m: ['\\d{2}', (t, v) => (t.month = Number(v) - 1)],
  b: ['[A-Z][a-z]{2}', (t, v) => (t.month = monthIndex(v))],
  h: ['[A-Z][a-z]{2}', (t, v) => (t.month = monthIndex(v))],
  d: ['\\d{2}', (t, v) => (t.day = Number(v))],
  e: [' ?\\d{1,2}', (t, v) => (t.day = Number(v))],
  H: ['\\d{2}', (t, v) => (t.hour = Number(v))],
  M: ['\\d{2}', (t, v) => (t.minute = Number(v))],
  S: ['\\d{2}', (t, v) => (t.second = Number(v))],
  z: ['[+-]\\d{4}', (t, v) => (t.offsetMin = parseUtcOffset(v))],
  s: ['\\d+', (t, v) => (t.epoch = Number(v))],
  a: ['[A-Z][a-z]{2}', () => {}],
  Z: ['[A-Za-z]+', () => {}],
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A strftime pattern -> a regex source with its own capture groups and their setters. */
function strftimeRegex(fmt: string): { source: string; setters: ((t: TimeParts, v: string) => void)[] } {
  let source = '';
  const setters: ((t: TimeParts, v: string) => void)[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      source += escapeRe(c);
      continue;
    }
    const d = fmt[++i]!;
    const expand: Record<string, string> = { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M' };
    if (expand[d]) {
      const sub = strftimeRegex(expand[d]!);
      source += sub.source;
      setters.push(...sub.setters);
    } else if (d === '%') {
      source += '%';
    } else if (STRFTIME[d]) {
      source += `(${STRFTIME[d]![0]})`;
      setters.push(STRFTIME[d]![1]);
    } else {
      source += '.*?';
    }
  }
  return { source, setters };
}

function timeOf(t: TimeParts, ctx: ParseContext): number | undefined {
  if (t.epoch !== undefined) return t.epoch;
  if (t.year === undefined || t.month === undefined || t.day === undefined) return undefined;
  return localToEpoch(
    t.year,
    t.month,
    t.day,
    t.hour ?? 0,
    t.minute ?? 0,
    t.second ?? 0,
    t.offsetMin ?? ctx.clock.utcOffsetMin,
  );
}

export type AccessLineParser = (line: string, ctx: ParseContext) => AccessLogEntry | undefined;

/** Builds a line parser for one `access.format`. */
export function compileAccessFormat(format: string = DEFAULT_ACCESS_FORMAT): AccessLineParser {
  let source = '^';
  const groups: Setter[] = [];
  // %t (request received) wins over %T (line written) for the entry's time.
  const timeGroups: { main: boolean; setters: ((t: TimeParts, v: string) => void)[]; first: number }[] = [];
  const add = (re: string, set: Setter) => {
    source += `(${re})`;
    groups.push(set);
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      source += escapeRe(c);
      continue;
    }
    let arg: string | undefined;
    let j = i + 1;
    if (format[j] === '{') {
      const close = format.indexOf('}', j);
      if (close < 0) break;
      arg = format.slice(j + 1, close);
      j = close + 1;
    }
    const tok = format[j];
    i = j;
    switch (tok) {
      case '%':
        source += '%';
        break;
      case 'C':
        add('[\\d.]+', (e, v) => (e.cpuPercent = Number(v)));
        break;
      case 'd': {
        const unit = arg ?? 'seconds';
        const factor = /^mill?i/.test(unit) ? 1 : /^micro/.test(unit) ? 0.001 : 1000;
        add('[\\d.]+', (e, v) => (e.durationMs = Number(v) * factor));
        break;
      }
      case 'M': {
        const unit = arg ?? 'bytes';
        const toKb = /^kilo/.test(unit) ? 1 : /^mega/.test(unit) ? 1024 : 1 / 1024;
        add('\\d+', (e, v) => (e.memoryKb = Number(v) * toKb));
        break;
      }
      case 'f':
        add('.*?', (e, v) => {
          if (v !== '-') e.script = v;
        });
        break;
      case 'm':
        add('\\S*', (e, v) => {
          if (v !== '-') e.method = v;
        });
        break;
      case 'n':
        add('\\S*', (e, v) => (e.pool = v));
        break;
      case 'p':
        add('\\d+', (e, v) => (e.pid = Number(v)));
        break;
      case 'P':
      case 'l':
        add('\\d+', () => {});
        break;
      case 'q':
        add('\\S*', (e, v) => (e._q = v));
        break;
      case 'Q':
        add('\\??', (e, v) => (e._Q = v));
        break;
      case 'r':
        add('\\S*', (e, v) => (e._r = v));
        break;
      case 'R':
        add('\\S+', (e, v) => {
          if (v !== '-') e.remoteAddr = v;
        });
        break;
      case 's':
        add('\\d{3}', (e, v) => (e.status = Number(v)));
        break;
      case 't':
      case 'T': {
        const sub = strftimeRegex(arg ?? '%d/%b/%Y:%H:%M:%S %z');
        timeGroups.push({ main: tok === 't', setters: sub.setters, first: groups.length });
        // The strftime groups are plain groups; record them as no-op setters to keep indexes.
        source += sub.source;
        for (let k = 0; k < sub.setters.length; k++) groups.push(() => {});
        break;
      }
      default:
        // %u (may be empty), %e, %o and anything unknown: free text up to the next literal.
        add('.*?', () => {});
    }
  }
  const re = new RegExp(`${source}$`);
  const timeGroup = timeGroups.find((g) => g.main) ?? timeGroups[0];
  return (line, ctx) => {
    const m = re.exec(line);
    if (!m) return undefined;
    const e: AccessLogEntry & { _q?: string; _Q?: string; _r?: string } = { time: 0 };
    groups.forEach((set, k) => {
      set(e, m[k + 1] ?? '');
    });
    if (timeGroup) {
      const parts: TimeParts = {};
      timeGroup.setters.forEach((set, k) => {
        set(parts, m[timeGroup.first + k + 1] ?? '');
      });
      e.time = timeOf(parts, ctx) ?? 0;
    }
    if (e._r !== undefined) {
      const query = e._q ? `${e._Q || '?'}${e._q}` : '';
      e.uri = e._r + query;
    }
    delete e._q;
    delete e._Q;
    delete e._r;
    return e;
  };
}

/**
 * Every line of an access-log tail -> entries since ctx.since (lines that do not match the format,
 * such as the first line cut by `tail -c`, are skipped). A format without %t/%T gives time 0:
 * such entries cannot be windowed and are all returned.
 */
export function parseAccessLog(
  text: string,
  format: string | undefined,
  ctx: ParseContext,
): AccessLogEntry[] {
  const parse = compileAccessFormat(format ?? DEFAULT_ACCESS_FORMAT);
  const out: AccessLogEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line) continue;
    const e = parse(line, ctx);
    if (!e) continue;
    if (e.time !== 0 && e.time < sinceSecond(ctx)) continue;
    out.push(e);
  }
  return out;
}
