/** Web server errors about FPM in the window, counted by kind, with the log text that shows them. */
import type { HostFacts, WebErrorEvent, WebErrorKind } from '../facts/types.js';
import { capEvidence, occurrences } from './evidence.js';
import type { AnalyzerResult, Evidence, Signals } from './signals.js';
import { fpmWebErrors, webErrorMessage } from './web-log.js';

type Counts = Omit<Signals['web'], 'kind' | 'total'>;

/** The gateway failures; stderr pass-through and "temporarily disabled" warnings are not. */
const FIELD: Partial<Record<WebErrorKind, keyof Counts>> = {
  'connect-enoent': 'enoent',
  'connect-eacces': 'eacces',
  'connect-refused': 'refused',
  'connect-eagain': 'eagain',
  'connect-timeout': 'connectTimeout',
  'read-timeout': 'readTimeout',
  'send-timeout': 'sendTimeout',
  reset: 'reset',
  'premature-close': 'prematureClose',
  'no-live-upstreams': 'noLiveUpstreams',
  'too-big-header': 'tooBigHeader',
};

export function isGatewayError(e: WebErrorEvent): boolean {
  return FIELD[e.kind] !== undefined;
}

function evidence(facts: HostFacts, errors: WebErrorEvent[]): Evidence[] {
  const groups = new Map<string, { server: WebErrorEvent['server']; times: number[] }>();
  for (const e of errors) {
    const text = webErrorMessage(e);
    const g = groups.get(text) ?? { server: e.server, times: [] };
    g.times.push(e.time);
    groups.set(text, g);
  }
  const lines = [...groups.entries()]
    .sort(
      (a, b) => b[1].times.length - a[1].times.length || Math.min(...a[1].times) - Math.min(...b[1].times),
    )
    .map(
      ([text, g]): Evidence => ({
        source: g.server,
        text: `${text} ${occurrences(g.times, facts.clock.utcOffsetMin)}`,
        time: Math.min(...g.times),
      }),
    );
  return capEvidence(lines);
}

export function analyzeWebErrors(facts: HostFacts): AnalyzerResult<'web'> {
  const counts: Counts = {
    enoent: 0,
    eacces: 0,
    refused: 0,
    eagain: 0,
    connectTimeout: 0,
    readTimeout: 0,
    sendTimeout: 0,
    reset: 0,
    prematureClose: 0,
    noLiveUpstreams: 0,
    tooBigHeader: 0,
  };
  const gateway = fpmWebErrors(facts).filter(isGatewayError);
  for (const e of gateway) counts[FIELD[e.kind]!]++;
  return {
    key: 'web',
    value: { kind: facts.web?.kind ?? '', total: gateway.length, ...counts },
    evidence: evidence(facts, gateway),
  };
}
