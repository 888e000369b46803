/**
 * FPM masters running a lab's config that the lab did not start itself: fpm-medic's fpm-start
 * action starts one (daemonized, in its own session, so not in any group the lab records). The
 * test that started it stops it; reset(), stop() and the stale-lab clean-up stop any left over, so
 * none can outlive its lab or hold the lab's sockets when the lab starts its own master again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { listPids, membersOfGroup, readCmdline, readStat, signal } from './proc.js';

/**
 * Pids of masters whose title names a config under `dir`, or `conf` (the config of a layout the lab
 * owns, outside the directory: /etc/php-fpm.conf), except `own` (the lab's child).
 */
export function strayFpmMasters(dir: string, conf: string | undefined, own?: number): number[] {
  const titles = [`php-fpm: master process (${dir}/`, ...(conf ? [`php-fpm: master process (${conf})`] : [])];
  return listPids().filter((pid) => {
    if (pid === own) return false;
    const title = readCmdline(pid);
    return titles.some((t) => title.startsWith(t));
  });
}

/** The master and its workers: a daemonized master leads its own process group. */
function family(pid: number): number[] {
  const st = readStat(pid);
  const members = st && st.pgid === pid ? membersOfGroup(pid).map((m) => m.pid) : [];
  return [...new Set([pid, ...members])];
}

function alive(pids: readonly number[]): number[] {
  return pids.filter((p) => {
    const st = readStat(p);
    return st !== undefined && st.state !== 'Z';
  });
}

/** SIGTERM (FPM stops its workers and unlinks its sockets), then SIGKILL after `graceMs`. */
export async function stopStrayFpm(
  dir: string,
  conf: string | undefined,
  own?: number,
  graceMs = 10_000,
): Promise<number[]> {
  const masters = strayFpmMasters(dir, conf, own);
  if (masters.length === 0) return [];
  const all = masters.flatMap(family);
  for (const m of masters) signal(m, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(all).length > 0 && Date.now() < deadline) await delay(50);
  for (const p of alive(all)) signal(p, 'SIGKILL');
  const hard = Date.now() + 5_000;
  while (alive(all).length > 0 && Date.now() < hard) await delay(20);
  return masters;
}

/** For the exit hook and stale-lab clean-up: SIGKILL at once, synchronously. */
export function killStrayFpmSync(dir: string, conf: string | undefined): void {
  for (const m of strayFpmMasters(dir, conf)) for (const p of family(m)) signal(p, 'SIGKILL');
}
