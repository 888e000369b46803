/** The check phase (fa_check): each pool's ping over FastCGI, then the web server's health URL. */
import type { Section } from '../../../probes/sections.js';
import { num, outputLines } from './parse-common.js';

export interface PingResult {
  pool: string;
  listen: string;
  path: string;
  ok: boolean;
  ms: number;
  /** What failed: cgi-fcgi's connect error (errno), FPM's Status header, a missing tool. */
  detail?: string;
}

export interface HealthResult {
  url: string;
  ok: boolean;
  /** HTTP status; 0 when no answer came. */
  code: number;
  ms: number;
  detail?: string;
}

export interface CheckResult {
  pings: PingResult[];
  health?: HealthResult;
}

const ERRNO: Record<number, string> = {
  2: 'No such file or directory (2): nothing listens there',
  11: 'Resource temporarily unavailable (11): the accept queue is full',
  13: 'Permission denied (13)',
  111: 'Connection refused (111): nothing accepts on it',
  124: 'no answer in time: every worker busy or the master stuck',
  137: 'no answer in time: every worker busy or the master stuck',
};

/** The CGI headers FPM sent: "Status: 404 Not Found" means the path is not the pool's ping.path. */
function cgiStatus(body: string[]): number | undefined {
  for (const line of body) {
    if (line === '') break;
    const m = /Status:\s*(\d{3})/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

function ping(s: Section): PingResult {
  const base = {
    pool: s.attrs['pool'] ?? '',
    listen: s.attrs['listen'] ?? '',
    path: s.attrs['path'] ?? '',
    ms: num(s.attrs['ms']) ?? 0,
  };
  if (s.kind === 'error') return { ...base, ok: false, detail: s.body.trim().split('\n')[0] ?? 'error' };
  const rc = num(s.attrs['rc']) ?? 1;
  const body = s.body.split('\n');
  if (rc !== 0) {
    const said = outputLines(s.body)[0];
    return { ...base, ok: false, detail: ERRNO[rc] ?? `cgi-fcgi exited ${rc}${said ? `: ${said}` : ''}` };
  }
  const status = cgiStatus(body);
  if (status !== undefined && status >= 400) {
    return { ...base, ok: false, detail: `FPM answered ${status} (is ${base.path} the pool's ping.path?)` };
  }
  return { ...base, ok: true };
}

function health(s: Section): HealthResult {
  const url = s.attrs['url'] ?? '';
  const ms = num(s.attrs['ms']) ?? 0;
  if (s.kind === 'error') return { url, ok: false, code: 0, ms, detail: s.body.trim().split('\n')[0] ?? '' };
  const rc = num(s.attrs['rc']) ?? 1;
  const code = num(s.attrs['code']) ?? 0;
  const said = outputLines(s.body)[0];
  const r: HealthResult = { url, ok: rc === 0 && code >= 200 && code < 400, code, ms };
  if (!r.ok) r.detail = said ?? (code ? `HTTP ${code}` : `curl exited ${rc}`);
  return r;
}

export function parseCheck(sections: readonly Section[]): CheckResult {
  const out: CheckResult = { pings: [] };
  for (const s of sections) {
    if (s.name === 'ping') out.pings.push(ping(s));
    if (s.name === 'health') out.health = health(s);
  }
  return out;
}
