/** FPM killing requests at request_terminate_timeout, and the web errors those kills caused. */

import type { HostFacts } from '../facts/types.js';
import { capEvidence, clockTime, shorten } from './evidence.js';
import { DEATH_KINDS, matchDeaths } from './match.js';
import { inWindow } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { fpmWebErrors, webErrorWithRequest } from './web-log.js';

export function analyzeRequestTimeouts(facts: HostFacts): AnalyzerResult<'requestTimeouts'> {
  const kills = facts.fpmLog.filter((e) => e.kind === 'execution-timed-out' && inWindow(facts, e.time));
  const web = fpmWebErrors(facts);
  const deaths = kills.map((k) => (k.pool === undefined ? { time: k.time } : { time: k.time, pool: k.pool }));
  const matches = matchDeaths(facts, deaths, web, DEATH_KINDS);
  const off = facts.clock.utcOffsetMin;
  const evidence: Evidence[] = kills.map((k, i) => {
    const w = matches[i]! >= 0 ? web[matches[i]!] : undefined;
    const tail = w ? ` ↔ ${webErrorWithRequest(w)}` : ' (no web server error matched within 2s)';
    return {
      source: 'fpm-log',
      text: `FPM ${clockTime(k.time, off)}: ${shorten(k.text, 200)}${tail}`,
      time: k.time,
    };
  });
  return {
    key: 'requestTimeouts',
    value: { kills: kills.length, matchedWebErrors: matches.filter((m) => m >= 0).length },
    evidence: capEvidence(evidence),
  };
}
