import type { HostClock, ProcessInfo } from '../../facts/types.js';

// pid ppid user stat rss vsz etimes pcpu wchan args — the column order runtime.sh asks ps for.
const ROW = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\S+)\s+(.*)$/;

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** What a process is to us, from its proctitle (FPM rewrites argv: fpm_env.c). */
export function processRole(args: string): Pick<ProcessInfo, 'role' | 'pool'> {
  if (/^php-fpm: master process\b/.test(args)) return { role: 'fpm-master' };
  const pool = /^php-fpm: pool (\S+)/.exec(args);
  if (pool) return { role: 'fpm-worker', pool: pool[1]! };
  if (/^nginx: /.test(args)) return { role: 'web' };
  const first = basename(args.split(/\s+/, 1)[0] ?? '');
  if (first === 'apache2' || first === 'httpd' || first === 'nginx') return { role: 'web' };
  // An FPM started without proctitle support still shows its binary: php-fpm (RHEL, Remi's SCL),
  // php-fpm8.2 (Debian), php-fpm82 (Alpine), php8.2-fpm, php82-php-fpm (Remi's service name).
  if (/^(php-fpm[\d.]*|php[\d.]+-fpm|php\d+-php-fpm)$/.test(first)) return { role: 'fpm-master' };
  return { role: 'other' };
}

/** The ps section of runtime.sh; startedAt = clock.now - etimes. */
export function parsePs(body: string, clock: Pick<HostClock, 'now'>): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const line of body.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const elapsedSec = Number(m[7]);
    const args = m[10]!.trimEnd();
    const info: ProcessInfo = {
      pid: Number(m[1]),
      ppid: Number(m[2]),
      user: m[3]!,
      stat: m[4]!,
      rssKb: Number(m[5]),
      vszKb: Number(m[6]),
      elapsedSec,
      startedAt: clock.now - elapsedSec,
      cpuPercent: Number(m[8]),
      args,
      ...processRole(args),
    };
    if (m[9] !== '-') info.wchan = m[9]!;
    out.push(info);
  }
  return out;
}
