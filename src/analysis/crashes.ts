/** Workers dying on a fatal signal (a crash in PHP or an extension), and the web errors they caused. */

import type { FpmLogEvent, HostFacts } from '../facts/types.js';
import { capEvidence, clockTime } from './evidence.js';
import { fpmEpoch, isHistory } from './fpm-epoch.js';
import { DEATH_KINDS, matchDeaths } from './match.js';
import { inWindow } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { fpmWebErrors, webErrorWithRequest } from './web-log.js';

/** Linux x86/arm numbers, for logs that carry the number but an unexpected name. */
const CRASH_SIGNALS = new Map<number, string>([
  [11, 'SIGSEGV'],
  [7, 'SIGBUS'],
  [6, 'SIGABRT'],
  [4, 'SIGILL'],
  [8, 'SIGFPE'],
]);
const CRASH_NAMES = new Set(CRASH_SIGNALS.values());

export function isCrash(e: FpmLogEvent): boolean {
  if (e.kind !== 'child-exited') return false;
  if (e.signalName !== undefined) return CRASH_NAMES.has(e.signalName);
  return e.signal !== undefined && CRASH_SIGNALS.has(e.signal);
}

export function analyzeCrashes(facts: HostFacts): AnalyzerResult<'crashes'> {
  const off = facts.clock.utcOffsetMin;
  // A crash of an earlier master's worker (before the running one started) is history.
  const epoch = fpmEpoch(facts);
  const crashes = facts.fpmLog.filter(
    (e) => isCrash(e) && inWindow(facts, e.time) && !isHistory(epoch, e.time),
  );
  const web = fpmWebErrors(facts);
  const deaths = crashes.map((c) =>
    c.pool === undefined ? { time: c.time } : { time: c.time, pool: c.pool },
  );
  const matches = matchDeaths(facts, deaths, web, DEATH_KINDS);
  const evidence: Evidence[] = crashes.map((c, i) => {
    const w = matches[i]! >= 0 ? web[matches[i]!] : undefined;
    return {
      source: 'fpm-log',
      text: `FPM ${clockTime(c.time, off)}: ${c.text}${w ? ` ↔ ${webErrorWithRequest(w)}` : ''}`,
      time: c.time,
    };
  });
  // Repeated crashes make FPM reload itself, which kills every in-flight request too: that line
  // goes first so the cap cannot hide it.
  const restarts: Evidence[] = facts.fpmLog
    .filter((e) => e.kind === 'emergency-restart' && inWindow(facts, e.time))
    .map((e) => ({ source: 'fpm-log', text: `FPM ${clockTime(e.time, off)}: ${e.text}`, time: e.time }));
  const signals = [
    ...new Set(crashes.map((c) => c.signalName ?? CRASH_SIGNALS.get(c.signal ?? 0) ?? String(c.signal))),
  ];
  return {
    key: 'crashes',
    value: { count: crashes.length, matchedWebErrors: matches.filter((m) => m >= 0).length, signals },
    evidence: capEvidence([...restarts, ...evidence]),
  };
}
