/** FPM killing requests at request_terminate_timeout, and the web errors those kills caused. */

import type { HostFacts } from '../facts/types.js';
import { capEvidence, clockTime, shorten } from './evidence.js';
import { fpmEpoch, isHistory } from './fpm-epoch.js';
import { DEATH_KINDS, matchDeaths } from './match.js';
import { activePools, inWindow } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { terminateCutsBeforePhp } from './timeout-chain.js';
import { fpmWebErrors, webErrorWithRequest } from './web-log.js';

export function analyzeRequestTimeouts(facts: HostFacts): AnalyzerResult<'requestTimeouts'> {
  // Kills by an earlier master (before the running one started, or before a clean stop) are history.
  const epoch = fpmEpoch(facts);
  const kills = facts.fpmLog.filter(
    (e) => e.kind === 'execution-timed-out' && inWindow(facts, e.time) && !isHistory(epoch, e.time),
  );
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
  // Kills on a pool whose terminate timeout fires before max_execution_time: the chain's doing.
  const cutPools = new Set(
    activePools(facts)
      .filter((p) => terminateCutsBeforePhp(facts, p))
      .map((p) => p.name),
  );
  const beforePhpLimit = kills.filter((k) => k.pool !== undefined && cutPools.has(k.pool)).length;
  return {
    key: 'requestTimeouts',
    value: { kills: kills.length, matchedWebErrors: matches.filter((m) => m >= 0).length, beforePhpLimit },
    evidence: capEvidence(evidence),
  };
}
