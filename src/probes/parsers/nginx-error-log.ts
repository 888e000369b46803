import type { WebErrorEvent, WebErrorKind } from '../../facts/types.js';
import { type ParseContext, sinceSecond } from './context.js';
import { localToEpoch } from './time.js';
import { CONNECT_ERRNO, isErrorLevel, normaliseUpstream } from './web-upstream.js';

// "2026/11/20 21:48:42 [crit] 14911#14911: *1 message" (ngx_log.c); the connection number is optional.
const HEAD =
  /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?([\s\S]*)$/;

function classify(msg: string, errno: number | undefined): WebErrorKind {
  if (msg.startsWith('FastCGI sent in stderr:')) return 'fastcgi-stderr';
  if (msg.startsWith('upstream timed out')) {
    if (msg.includes('while connecting to upstream')) return 'connect-timeout';
    if (msg.includes('while sending request to upstream')) return 'send-timeout';
    return 'read-timeout';
  }
  if (/^connect\(\) (?:to \S+ )?failed/.test(msg)) {
    return (errno !== undefined && CONNECT_ERRNO[errno]) || 'other';
  }
  if (/^(?:recv|readv|writev|send|sendfile)\(\) failed/.test(msg) && (errno === 104 || errno === 32))
    return 'reset';
  if (msg.startsWith('upstream prematurely closed')) return 'premature-close';
  if (msg.startsWith('no live upstreams')) return 'no-live-upstreams';
  if (msg.startsWith('upstream sent too big header')) return 'too-big-header';
  if (msg.startsWith('upstream server temporarily disabled')) return 'worker-disabled';
  return 'other';
}

/** The value of the last `, name: "..."` (quoted) or `, name: value` field of a log line. */
function lastField(msg: string, name: string, quoted: boolean): string | undefined {
  const key = `, ${name}: ${quoted ? '"' : ''}`;
  const at = msg.lastIndexOf(key);
  if (at < 0) return undefined;
  const rest = msg.slice(at + key.length);
  if (quoted) {
    const end = rest.indexOf('"');
    return end >= 0 ? rest.slice(0, end) : undefined;
  }
  const end = rest.indexOf(',');
  return end >= 0 ? rest.slice(0, end) : rest;
}

function parseRecord(record: string, ctx: ParseContext): WebErrorEvent | undefined {
  const m = HEAD.exec(record);
  if (!m) return undefined;
  const time = localToEpoch(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ctx.clock.utcOffsetMin);
  const msg = m[11]!;
  // The stderr text itself may contain "(N: ...)"; only the part after the quoted text is ours.
  const tail = msg.startsWith('FastCGI sent in stderr:') ? msg.slice(msg.lastIndexOf('" while ') + 1) : msg;
  const errnoMatch = / \((\d+): [^)]*\)/.exec(tail);
  const errno = errnoMatch ? Number(errnoMatch[1]) : undefined;
  const event: WebErrorEvent = {
    time,
    server: 'nginx',
    level: m[7]!,
    kind: classify(msg, errno),
    serverPid: Number(m[8]),
    text: record,
  };
  if (errno !== undefined) event.errno = errno;
  const upstream = lastField(msg, 'upstream', true);
  if (upstream !== undefined) event.upstream = normaliseUpstream(upstream);
  const request = lastField(msg, 'request', true);
  if (request !== undefined) event.request = request;
  const client = lastField(msg, 'client', false);
  if (client !== undefined) event.client = client;
  return event;
}

/**
 * nginx error log text (a tail, so the first line may be cut) -> events since ctx.since. Times are
 * local without a zone and converted with the host's UTC offset. A message that spans lines (PHP
 * stderr with newlines) is kept together up to the next line that starts with a timestamp.
 */
export function parseNginxErrorLog(text: string, ctx: ParseContext): WebErrorEvent[] {
  const records: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[/.test(line)) records.push(line);
    else if (records.length > 0 && line !== '') records[records.length - 1] += `\n${line}`;
  }
  const out: WebErrorEvent[] = [];
  for (const r of records) {
    const e = parseRecord(r, ctx);
    if (e && e.time >= sinceSecond(ctx) && isErrorLevel(e.level)) out.push(e);
  }
  return out;
}
