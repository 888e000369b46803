/**
 * The PHP-FPM status page (REFERENCE §1), in the JSON form fpm-status.sh asks for (`?json&full`)
 * and the default text form (`?full`), with or without the CGI headers cgi-fcgi passes through.
 * JSON keys contain spaces. PHP does not escape `user` and `script` (php-src #11464), and before
 * 2023 not `request uri` either, so the output can be invalid JSON; the repair below does what
 * hipages/php-fpm_exporter's JSONResponseFixer does.
 */
import type { FpmStatus, FpmStatusProcess, PoolStatusResult, ProbeFailure } from '../../facts/types.js';
import { redactedExcerpt } from '../../redact/redact.js';
import { permissionFix } from '../failure-fix.js';
import { accessHint } from '../section-failures.js';
import type { Section } from '../sections.js';
import { monthIndex } from './time.js';

/** Drops the CGI headers (`Content-Type: ...` lines up to the first blank line). */
function stripHeaders(body: string): string {
  const text = body.replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const start = i;
  while (i < lines.length && /^[A-Za-z][\w-]*: /.test(lines[i]!) && !/^pool:/.test(lines[i]!)) i++;
  if (i > start && i < lines.length && lines[i]!.trim() === '') return lines.slice(i + 1).join('\n');
  return lines.slice(start).join('\n');
}

/** "21/Nov/2026:03:35:23 +0530" -> epoch seconds. */
function parseStatusTime(value: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(value.trim());
  if (!m) return Number(value) || 0;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(
    Number(m[3]),
    monthIndex(m[2]!) ?? 0,
    Number(m[1]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  return utc / 1000 - offset * 60;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

function fromRecord(r: Record<string, unknown>, procs: Record<string, unknown>[]): FpmStatus {
  const time = (v: unknown) => (typeof v === 'number' ? v : parseStatusTime(str(v)));
  return {
    pool: str(r['pool']),
    processManager: str(r['process manager']),
    startTime: time(r['start time']),
    startSince: num(r['start since']),
    acceptedConn: num(r['accepted conn']),
    listenQueue: num(r['listen queue']),
    maxListenQueue: num(r['max listen queue']),
    listenQueueLen: num(r['listen queue len']),
    idleProcesses: num(r['idle processes']),
    activeProcesses: num(r['active processes']),
    totalProcesses: num(r['total processes']),
    maxActiveProcesses: num(r['max active processes']),
    maxChildrenReached: num(r['max children reached']),
    slowRequests: num(r['slow requests']),
    processes: procs.map(
      (p): FpmStatusProcess => ({
        pid: num(p['pid']),
        state: str(p['state']),
        startTime: time(p['start time']),
        requests: num(p['requests']),
        requestDurationUs: num(p['request duration']),
        requestMethod: str(p['request method']),
        requestUri: str(p['request uri'] ?? p['request URI']),
        contentLength: num(p['content length']),
        user: str(p['user']),
        script: str(p['script']),
        lastRequestCpu: num(p['last request cpu']),
        lastRequestMemory: num(p['last request memory']),
      }),
    ),
  };
}

/**
 * Escapes what PHP left raw inside a string field: quotes, control characters, and backslashes
 * that do not start a JSON escape. The field ends where the next known key starts.
 */
function repairJson(json: string): string {
  const fields: [string, string][] = [
    ['request uri', 'content length'],
    ['user', 'script'],
    ['script', 'last request cpu'],
  ];
  let out = json;
  for (const [key, next] of fields) {
    const re = new RegExp(`"${key}":"([\\s\\S]*?)","${next}"`, 'g');
    out = out.replace(re, (_all, value: string) => {
      const fixed = value
        .replace(/\\(?!["\\/bfnrtu])/g, '\\\\')
        .replace(/(?<!\\)"/g, '\\"')
        .replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      return `"${key}":"${fixed}","${next}"`;
    });
  }
  return out;
}

function parseJsonStatus(text: string): FpmStatus | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  const json = text.slice(start, end + 1);
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(json) as Record<string, unknown>;
  } catch {
    try {
      obj = JSON.parse(repairJson(json)) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  if (typeof obj !== 'object' || obj === null || !('pool' in obj)) return undefined;
  const procs = Array.isArray(obj['processes']) ? (obj['processes'] as Record<string, unknown>[]) : [];
  return fromRecord(obj, procs);
}

function parseTextStatus(text: string): FpmStatus | undefined {
  const blocks = text.split(/\n\*{10,}\n/);
  const parseBlock = (block: string): Record<string, unknown> => {
    const r: Record<string, unknown> = {};
    for (const line of block.split('\n')) {
      const m = /^([a-zA-Z][a-zA-Z ]*?):\s+(.*)$/.exec(line);
      if (m) r[m[1]!] = m[2]!.trim();
    }
    return r;
  };
  const head = parseBlock(blocks[0] ?? '');
  if (!('pool' in head)) return undefined;
  return fromRecord(head, blocks.slice(1).map(parseBlock));
}

/** A status page answer (headers optional), JSON or text -> FpmStatus; undefined if neither. */
export function parseFpmStatus(body: string): FpmStatus | undefined {
  const text = stripHeaders(body);
  if (text.trimStart().startsWith('{')) return parseJsonStatus(text);
  return parseTextStatus(text) ?? parseJsonStatus(text);
}

/** Idle vs busy from the per-process states, more robust than the counters (REFERENCE §1.6). */
export function countProcessStates(status: FpmStatus): { idle: number; busy: number } {
  const idle = status.processes.filter((p) => p.state === 'Idle').length;
  return { idle, busy: status.processes.length - idle };
}

const MISSING_CGI_FCGI_FIX =
  'apt-get install libfcgi-bin (Debian/Ubuntu), dnf install fcgi (RHEL) or apk add fcgi (Alpine)';

/**
 * The fpm-status sections -> one result per pool, in probe order. Failures that mean "could
 * not look" (tool missing, permission) are also returned as ProbeFailures; a timeout is not one
 * of them: it is the saturation evidence.
 */
export function parseFpmStatusSections(sections: readonly Section[]): {
  results: PoolStatusResult[];
  failures: ProbeFailure[];
} {
  const results: PoolStatusResult[] = [];
  const failures: ProbeFailure[] = [];
  for (const s of sections) {
    if (s.name !== 'fpm-status') continue;
    const pool = s.attrs['pool'] ?? '';
    // Pool names repeat across masters (php7.4 and php8.2 both have "www"): the address does not.
    const listen = s.attrs['listen'] ?? '';
    const ms = Number(s.attrs['ms'] ?? 0);
    const errno = s.attrs['errno'] !== undefined ? Number(s.attrs['errno']) : undefined;
    const detail = s.body.trim();
    if (s.kind === 'section') {
      if (s.attrs['skipped'] === 'no-status-path') {
        results.push({ pool, listen, ok: false, reason: 'no-status-path', detail, ms });
        continue;
      }
      const status = parseFpmStatus(s.body);
      if (status) {
        results.push({ pool, listen, ok: true, status, ms });
      } else {
        // An answer that is not a status page: usually the path is not pm.status_path, so FPM
        // ran it as a script ("File not found." / "Primary script unknown").
        const statusLine = /Status: (\d{3}[^\r\n]*)/.exec(s.body)?.[1];
        const stderr = s.attrs['stderr'] ? ` [FastCGI stderr: ${s.attrs['stderr'].trim()}]` : '';
        results.push({
          pool,
          listen,
          ok: false,
          reason: 'error',
          detail: `not a status page${statusLine ? ` (${statusLine})` : ''}${stderr}: ${redactedExcerpt(detail, 200)}`,
          ms,
        });
      }
      continue;
    }
    const reason = s.attrs['reason'];
    let mapped: Exclude<PoolStatusResult, { ok: true }>['reason'];
    if (reason === 'timeout') mapped = 'timeout';
    else if (reason === 'not-found') mapped = 'not-found';
    else if (reason === 'permission') mapped = 'permission';
    else if (errno === 111) mapped = 'refused';
    else mapped = 'error';
    const result: PoolStatusResult = { pool, listen, ok: false, reason: mapped, detail, ms };
    if (errno !== undefined && Number.isFinite(errno)) result.errno = errno;
    results.push(result);
    if (reason === 'missing-tool' || reason === 'permission') {
      failures.push({
        probe: 'fpm-status',
        target: pool,
        reason,
        detail,
        // The socket's group (listen.group) is the least privilege that opens the status page.
        fix: reason === 'permission' ? permissionFix(accessHint(s.attrs)) : MISSING_CGI_FCGI_FIX,
      });
    }
  }
  return { results, failures };
}
