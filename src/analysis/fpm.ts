/** Is FPM there at all: masters, their age, reloads, and pool sockets nothing listens on. */
import type { HostFacts } from '../facts/types.js';
import { listenKey, localHosts } from './address.js';
import { capEvidence, clockTime, occurrences, seconds } from './evidence.js';
import { lastCleanStop } from './fpm-epoch.js';
import { listenerOf } from './pools.js';
import { activePools, inWindow, socketsRead } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';

export function analyzeFpm(facts: HostFacts): AnalyzerResult<'fpm'> {
  const off = facts.clock.utcOffsetMin;
  const masters = facts.fpm.masters;
  const youngest = Math.max(...masters.map((m) => m.startedAt));
  const masterAgeSec = Number.isFinite(youngest) ? Math.max(0, Math.round(facts.clock.now - youngest)) : -1;
  // An emergency restart (failed processes threshold) is a reload too: it kills in-flight requests.
  const reloads = facts.fpmLog.filter(
    (e) => (e.kind === 'reloading' || e.kind === 'emergency-restart') && inWindow(facts, e.time),
  );
  const pools = activePools(facts);
  const isLocal = localHosts(facts);
  const missing = socketsRead(facts) ? pools.filter((p) => !listenerOf(facts, p, isLocal)) : [];

  const evidence: Evidence[] = [];
  // A stopped FPM was stopped by someone: the log says when, and which signal asked for it.
  const stop = masters.length === 0 ? lastCleanStop(facts) : undefined;
  if (masters.length === 0) {
    evidence.push({ source: 'ps', text: 'ps: no php-fpm master process is running' });
  }
  if (stop) {
    const how = stop.signal ? ` on ${stop.signal} ("${stop.text}")` : '';
    evidence.push({
      source: 'fpm-log',
      text: `FPM was stopped cleanly at ${clockTime(stop.at, off)}${how}: "exiting, bye-bye!"`,
      time: stop.at,
    });
  }
  for (const m of masters) {
    evidence.push({
      source: 'ps',
      text: `ps: FPM master ${m.pid} (${m.binary}${m.version ? ` ${m.version}` : ''}, ${m.configPath}) up ${seconds(
        facts.clock.now - m.startedAt,
      )}, since ${clockTime(m.startedAt, off)}`,
    });
  }
  for (const p of missing) {
    evidence.push({
      source: 'ss',
      text: `ss: nothing listens on ${listenKey(p.listen)} (pool ${p.name} ${p.listen.kind === 'unix' ? 'socket' : 'port'})`,
    });
  }
  if (!socketsRead(facts)) {
    evidence.push({ source: 'probe', text: 'no ss listener data: pool sockets were not checked' });
  }
  if (reloads.length > 0) {
    evidence.push({
      source: 'fpm-log',
      text: `FPM: ${reloads[0]!.text} ${occurrences(
        reloads.map((e) => e.time),
        off,
      )}`,
      time: reloads[0]!.time,
    });
  }
  return {
    key: 'fpm',
    value: {
      running: masters.length > 0,
      masters: masters.length,
      pools: pools.length,
      masterAgeSec,
      reloads: reloads.length,
      socketsMissing: missing.filter((p) => p.listen.kind === 'unix').length,
      portsMissing: missing.filter((p) => p.listen.kind === 'tcp').length,
      stoppedCleanly: stop !== undefined,
      stoppedAt: stop ? clockTime(stop.at, off) : '',
      stopSignal: stop?.signal ?? '',
    },
    evidence: capEvidence(evidence),
  };
}
