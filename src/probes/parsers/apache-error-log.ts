import type { WebErrorEvent, WebErrorKind } from '../../facts/types.js';
import type { ParseContext } from './context.js';
import { localToEpoch, monthIndex } from './time.js';
import { CONNECT_ERRNO, isErrorLevel, normaliseUpstream, stripClientPort } from './web-upstream.js';

// [Mon Jan 15 03:42:17.123456 2024] [proxy:error] [pid 1234:tid 5678] rest   (server/log.c)
const HEAD =
  /^\[\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? (\d{4})\] \[(?:([\w-]+):)?(\w+)\] \[pid (\d+)(?::tid (\d+))?\] ([\s\S]*)$/;
// "(111)Connection refused: " / "(70007)The timeout specified has expired: " / "(OS 10061)...: "
const STATUS = /^\((?:OS |EAI )?(-?\d+)\)([^:]*): /;
const CLIENT = /^\[(?:client|remote) ([^\]]+)\] /;
const CODE = /^(AH\d{5}): /;

// APR's "(70007)The timeout specified has expired" is Apache's connect timeout.
const APACHE_CONNECT_STATUS: Readonly<Record<number, WebErrorKind>> = {
  ...CONNECT_ERRNO,
  70007: 'connect-timeout',
};

// Server-scoped lines that describe why the next request-scoped line (same pid:tid) failed.
const CAUSES = new Set(['AH00957', 'AH02454', 'AH02453', 'AH00940', 'AH00959', 'AH00941', 'AH01067']);
const CONSEQUENCES = new Set(['AH01079', 'AH01075', 'AH01073', 'AH01074']);

function classify(code: string | undefined, status: number | undefined, msg: string): WebErrorKind {
  switch (code) {
    case 'AH00957':
    case 'AH02454':
    case 'AH02453':
      return (status !== undefined && APACHE_CONNECT_STATUS[status]) || 'other';
    case 'AH00940':
    case 'AH00959':
      return 'worker-disabled';
    case 'AH01067':
      return 'premature-close';
    case 'AH01071':
      return 'fastcgi-stderr';
    case 'AH01075':
      if (status === 70007 || status === 110)
        return /sending|writing/.test(msg) ? 'send-timeout' : 'read-timeout';
      if (status === 104 || status === 32) return 'reset';
      if (status === 70014) return 'premature-close';
      return 'other';
    case 'AH01073':
    case 'AH01074':
      return status === 104 || status === 32 ? 'reset' : 'other';
    default:
      return 'other';
  }
}

/** The backend the message names: a socket path, host:port, or the worker's host name. */
function upstreamOf(code: string | undefined, msg: string): string | undefined {
  let m: RegExpExecArray | null = null;
  switch (code) {
    case 'AH02454':
    case 'AH02453':
      m = /Unix domain socket (\S+)/.exec(msg);
      break;
    case 'AH00957':
      m = /attempt to connect to (\S+)/.exec(msg);
      break;
    case 'AH00940':
    case 'AH00941':
    case 'AH00959':
      m = /for \(([^)]+)\)/.exec(msg);
      break;
    case 'AH01079':
      m = /backend: (\S+)/.exec(msg);
      break;
  }
  return m ? normaliseUpstream(m[1]!) : undefined;
}

interface Parsed {
  event: WebErrorEvent;
  key: string;
}

function parseRecord(record: string, ctx: ParseContext): Parsed | undefined {
  const m = HEAD.exec(record);
  if (!m) return undefined;
  const mon = monthIndex(m[1]!);
  if (mon === undefined) return undefined;
  const frac = m[6] ? Number(`0.${m[6]}`) : 0;
  const time = localToEpoch(+m[7]!, mon, +m[2]!, +m[3]!, +m[4]!, +m[5]!, ctx.clock.utcOffsetMin) + frac;
  let rest = m[12]!;
  let status: number | undefined;
  const st = STATUS.exec(rest);
  if (st) {
    status = Number(st[1]);
    rest = rest.slice(st[0].length);
  }
  let client: string | undefined;
  const cl = CLIENT.exec(rest);
  if (cl) {
    client = stripClientPort(cl[1]!);
    rest = rest.slice(cl[0].length);
  }
  const cm = CODE.exec(rest);
  const code = cm?.[1];
  const msg = cm ? rest.slice(cm[0].length) : rest;
  const event: WebErrorEvent = {
    time,
    server: 'apache',
    level: m[9]!,
    kind: classify(code, status, msg),
    serverPid: Number(m[10]),
    text: record,
  };
  if (status !== undefined) event.errno = status;
  if (code) event.code = code;
  if (client) event.client = client;
  const upstream = upstreamOf(code, msg);
  if (upstream) event.upstream = upstream;
  return { event, key: `${m[10]}:${m[11] ?? ''}` };
}

/** A cause line and the request line it explains become one event: one failed request. */
function merge(cause: WebErrorEvent, effect: WebErrorEvent): WebErrorEvent {
  const kind = effect.kind === 'other' || cause.kind.startsWith('connect-') ? cause.kind : effect.kind;
  const merged: WebErrorEvent = { ...effect, time: cause.time, kind, text: `${cause.text}\n${effect.text}` };
  // The cause's code says more for a failed connect (AH02454 vs the generic AH01079); the
  // request's says more once connected (AH01075 with its status).
  if (cause.code && (cause.kind.startsWith('connect-') || cause.kind === 'worker-disabled' || !effect.code)) {
    merged.code = cause.code;
  }
  if (cause.upstream) merged.upstream = cause.upstream;
  if (merged.errno === undefined && cause.errno !== undefined) merged.errno = cause.errno;
  return merged;
}

/**
 * Apache error log text (a tail) -> events since ctx.since. The connect failure (AH02454/AH00957,
 * server-scoped, with the errno) and the request's AH01079 that follows on the same thread are
 * one failed request and come out as one event, with the cause's code and the request's client;
 * likewise AH01067 + AH01075. Times are local and converted with the host's UTC offset.
 */
export function parseApacheErrorLog(text: string, ctx: ParseContext): WebErrorEvent[] {
  const records: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\[\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2}/.test(line)) records.push(line);
    else if (records.length > 0 && line !== '') records[records.length - 1] += `\n${line}`;
  }
  const out: WebErrorEvent[] = [];
  const pending = new Map<string, WebErrorEvent>();
  for (const r of records) {
    const p = parseRecord(r, ctx);
    if (!p || !isErrorLevel(p.event.level)) continue;
    const held = pending.get(p.key);
    const code = p.event.code ?? '';
    // "disabling worker" comes between a failed connect and its request line: it is a
    // consequence of the same failure, not the cause of the request's 503.
    if (held && code === 'AH00959' && held.kind.startsWith('connect-')) {
      out.push(p.event);
      continue;
    }
    if (held) {
      pending.delete(p.key);
      if (CONSEQUENCES.has(code)) {
        out.push(merge(held, p.event));
        continue;
      }
      out.push(held);
    }
    if (CAUSES.has(code)) pending.set(p.key, p.event);
    else out.push(p.event);
  }
  out.push(...pending.values());
  // Stable: lines with the same microsecond keep their log order.
  return out
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.time >= ctx.since)
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i)
    .map(({ e }) => e);
}
