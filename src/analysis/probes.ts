/** What could not be looked at: a missing source lowers confidence, it is never "no problem". */
import type { HostFacts } from '../facts/types.js';
import { capEvidence, shorten } from './evidence.js';
import type { AnalyzerResult, Evidence } from './signals.js';

export function analyzeProbes(facts: HostFacts): AnalyzerResult<'probes'> {
  const missing: string[] = [];
  const add = (id: string) => {
    if (!missing.includes(id)) missing.push(id);
  };
  for (const p of facts.probes) if (!p.ok) add(p.id);
  for (const f of facts.failures) add(`${f.probe}:${f.target}`);
  const evidence: Evidence[] = facts.failures.map((f) => ({
    source: 'probe',
    text: `${f.probe}: could not read ${f.target} (${f.reason}: ${shorten(f.detail, 100)}); fix: ${shorten(f.fix, 140)}`,
  }));
  for (const p of facts.probes) {
    if (!p.ok && !facts.failures.some((f) => f.probe === p.id)) {
      evidence.push({ source: 'probe', text: `probe ${p.id} failed after ${p.ms} ms` });
    }
  }
  return { key: 'probes', value: { failed: missing.length, missing }, evidence: capEvidence(evidence) };
}
