/**
 * The kernel OOM killer killing FPM workers: the kernel's kill line, FPM's "exited on signal 9"
 * for the same pid, and the reset the web server saw for the request that worker was serving.
 */

import type { FpmLogEvent, HostFacts, OomKill } from '../facts/types.js';
import { capEvidence, clockTime, megabytes } from './evidence.js';
import { fpmEpoch, isHistory } from './fpm-epoch.js';
import { DEATH_KINDS, matchDeaths } from './match.js';
import { inWindow } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { fpmWebErrors, webErrorWithRequest } from './web-log.js';

/** Workers keep the binary's name as comm (php-fpm8.2 on Debian, php-fpm on RHEL). */
const FPM_COMM = /^(?:php-fpm|php[\d.]*-fpm)/;

/**
 * A pid is only reused after the pid space wraps, but dmesg's boot-relative times drift from the
 * wall clock on long-running and suspended machines: a pid match within a minute is the same death.
 */
export const PID_MATCH_SEC = 60;

function killSummary(k: OomKill, off: number): string {
  const head = /^(.*?Killed process \d+ \([^)]*\))/.exec(k.text)?.[1] ?? k.text;
  const rss = k.anonRssKb !== undefined ? `, anon-rss ${megabytes(k.anonRssKb)}` : '';
  return `kernel ${clockTime(k.time, off)}: ${head}${rss}`;
}

/**
 * FPM logs every child's death at WARNING ("exited on signal 9"): with its log read at notice or
 * warning level, a kernel kill of an FPM-named process it did not log is another FPM's (another
 * instance, another container on the host). Without that log nothing can tell, and the kill counts.
 */
function fpmLogShowsExits(facts: HostFacts): boolean {
  const globals = facts.fpm.globals;
  if (globals.length === 0 || globals.some((g) => !g.errorLog || /^(error|alert)$/i.test(g.logLevel ?? ''))) {
    return false;
  }
  return !globals.some((g) => facts.failures.some((f) => f.target === g.errorLog));
}

export function analyzeOom(facts: HostFacts): AnalyzerResult<'oom'> {
  const off = facts.clock.utcOffsetMin;
  const epoch = fpmEpoch(facts);
  const fpmKills = facts.oomKills.filter((k) => FPM_COMM.test(k.comm) && inWindow(facts, k.time));
  const allSigkills = facts.fpmLog.filter(
    (e) => e.kind === 'child-exited' && e.signal === 9 && inWindow(facts, e.time),
  );
  const used = new Set<FpmLogEvent>();
  const exitOf = new Map<OomKill, FpmLogEvent>();
  for (const k of fpmKills) {
    const exit = allSigkills.find(
      (e) => !used.has(e) && e.pid === k.pid && Math.abs(e.time - k.time) <= PID_MATCH_SEC,
    );
    if (!exit) continue;
    used.add(exit);
    exitOf.set(k, exit);
  }
  // This FPM's kills: FPM logged the death, or the kill hit the memory cgroup a master runs in.
  const ourCgroups = new Set((facts.kernel.cgroupOom ?? []).map((c) => c.path));
  const checkable = fpmLogShowsExits(facts);
  const ours = fpmKills.filter(
    (k) => exitOf.has(k) || (k.memcg !== undefined && ourCgroups.has(k.memcg)) || !checkable,
  );
  const history = ours.filter((k) => isHistory(epoch, k.time));
  const kills = ours.filter((k) => !isHistory(epoch, k.time));
  const sigkills = allSigkills.filter((e) => !isHistory(epoch, e.time));
  const exits = kills.map((k) => exitOf.get(k));
  const web = fpmWebErrors(facts);
  // FPM's own time and pool are the better anchor: the kernel's time is converted from uptime.
  const deaths = kills.map((k, i) => {
    const e = exits[i];
    if (!e) return { time: k.time };
    return e.pool === undefined ? { time: e.time } : { time: e.time, pool: e.pool };
  });
  const webMatch = matchDeaths(facts, deaths, web, DEATH_KINDS);

  // Kills FPM confirmed come first: they are the ones the cap must not hide.
  const order = kills
    .map((_, i) => i)
    .sort((a, b) => Number(exits[b] !== undefined) - Number(exits[a] !== undefined));
  const evidence: Evidence[] = order.map((i) => {
    const k = kills[i]!;
    const e = exits[i];
    const w = webMatch[i]! >= 0 ? web[webMatch[i]!] : undefined;
    const fpm = e ? ` ↔ FPM: ${e.text}` : ` (no FPM "exited on signal 9" for pid ${k.pid} in the window)`;
    return {
      source: 'kernel',
      text: `${killSummary(k, off)}${fpm}${w ? ` ↔ ${webErrorWithRequest(w)}` : ''}`,
      time: k.time,
    };
  });
  const counters = facts.kernel.cgroupOom ?? [];
  for (const c of counters) {
    if (c.oomKills > 0) {
      evidence.push({
        source: 'kernel',
        text: `cgroup ${c.path} (FPM master ${c.pid}): oom_kill ${c.oomKills} since the cgroup was created${c.underOom ? ', out of memory right now' : ''}`,
      });
    }
  }
  const since = epoch.since !== undefined ? clockTime(epoch.since, off) : '';
  const earlier = epoch.cleanStop
    ? `before FPM was stopped cleanly at ${since}`
    : `before the running master started at ${since}`;
  for (const k of history) {
    const e = exitOf.get(k);
    evidence.push({
      source: 'kernel',
      text: `history, ${earlier}: ${killSummary(k, off)}${e ? ` ↔ FPM: ${e.text}` : ''}`,
      time: k.time,
    });
  }
  for (const e of sigkills) {
    if (used.has(e)) continue;
    evidence.push({
      source: 'fpm-log',
      text: `FPM ${clockTime(e.time, off)}: ${e.text} (no kernel OOM kill of pid ${e.pid} in the window)`,
      time: e.time,
    });
  }
  return {
    key: 'oom',
    value: {
      kernelKills: kills.length,
      matched: exits.filter((e) => e !== undefined).length,
      cgroupKills: kills.filter((k) => k.cgroup).length,
      sigkills: sigkills.length,
      cgroupCounter: counters.reduce((sum, c) => sum + c.oomKills, 0),
      matchedWebErrors: webMatch.filter((m) => m >= 0).length,
      history: history.length,
    },
    evidence: capEvidence(evidence),
  };
}
