/** Every analyzer over one host's facts -> the Signals runbooks read, and the evidence behind each. */
import type { HostFacts } from '../facts/types.js';
import { analyzeAbandoned } from './abandoned.js';
import { analyzeBacklog } from './backlog.js';
import { analyzeCrashes } from './crashes.js';
import { analyzeExternal } from './external.js';
import { analyzeFpm } from './fpm.js';
import { analyzeMemory } from './memory.js';
import { analyzeOom } from './oom.js';
import { analyzePools } from './pools.js';
import { analyzeProbes } from './probes.js';
import { analyzeRequestTimeouts } from './request-timeouts.js';
import { analyzeRestart } from './restart.js';
import { analyzeSelfRequest, type SelfAddress } from './self-request.js';
import type { AnalyzerResult, Evidence, Signals } from './signals.js';
import { analyzeSlowRequests } from './slow-requests.js';
import { analyzeTimeoutChain } from './timeout-chain.js';
import { analyzeWebErrors } from './web-errors.js';

export interface AnalyzeOptions {
  /** Inventory selfAddresses: public/LB addresses that route back to this host's site. */
  selfAddresses?: SelfAddress[];
  /** How long after an FPM start refused/ENOENT errors count as caused by it (default 60). */
  restartWindowSec?: number;
}

export type SignalEvidence = { [K in keyof Signals]?: Evidence[] };

export interface Analysis {
  signals: Signals;
  evidence: SignalEvidence;
}

export function analyze(facts: HostFacts, options: AnalyzeOptions = {}): Analysis {
  const self = options.selfAddresses ? { selfAddresses: options.selfAddresses } : {};
  const restart =
    options.restartWindowSec !== undefined ? { restartWindowSec: options.restartWindowSec } : {};
  const fpm = analyzeFpm(facts);
  const pools = analyzePools(facts);
  const web = analyzeWebErrors(facts);
  const backlog = analyzeBacklog(facts);
  const selfRequest = analyzeSelfRequest(facts, self);
  const external = analyzeExternal(facts, self);
  const timeoutChain = analyzeTimeoutChain(facts);
  const abandoned = analyzeAbandoned(facts, timeoutChain.value.webReadTimeoutSec);
  const requestTimeouts = analyzeRequestTimeouts(facts);
  const oom = analyzeOom(facts);
  const crashes = analyzeCrashes(facts);
  const memory = analyzeMemory(facts);
  const slowRequests = analyzeSlowRequests(facts);
  const restartResult = analyzeRestart(facts, restart);
  const probes = analyzeProbes(facts);

  const signals: Signals = {
    host: facts.host,
    windowSec: Math.round(facts.window.seconds),
    fpm: fpm.value,
    pools: pools.value,
    poolsExhausted: pools.value.filter((p) => p.exhausted).length,
    web: web.value,
    backlog: backlog.value,
    selfRequest: selfRequest.value,
    external: external.value,
    abandoned: abandoned.value,
    timeoutChain: timeoutChain.value,
    requestTimeouts: requestTimeouts.value,
    oom: oom.value,
    crashes: crashes.value,
    memory: memory.value,
    slowRequests: slowRequests.value,
    restart: restartResult.value,
    probes: probes.value,
  };
  const results: AnalyzerResult<keyof Signals>[] = [
    fpm,
    pools,
    web,
    backlog,
    selfRequest,
    external,
    abandoned,
    timeoutChain,
    requestTimeouts,
    oom,
    crashes,
    memory,
    slowRequests,
    restartResult,
    probes,
  ];
  const evidence: SignalEvidence = {};
  for (const r of results) if (r.evidence.length > 0) evidence[r.key] = r.evidence;
  return { signals, evidence };
}
