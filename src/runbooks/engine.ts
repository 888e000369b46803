import type { Evidence, Signals } from '../analysis/signals.js';
import { actionFits } from './action-fit.js';
import { signalsToCel } from './cel-env.js';
import { derive } from './derived.js';
import { RunbookEvaluationError } from './errors.js';
import { SEVERITY_RANK, type Severity } from './ids.js';
import { renderTemplate } from './template.js';
import type { EvidenceMap, Finding, Runbook, Verdict } from './types.js';

export interface EvaluateInput {
  signals: Signals;
  evidence: EvidenceMap;
}

export interface EvaluateOptions {
  /** Probes that failed on this host, in addition to signals.probes.missing. */
  failedProbes?: readonly string[];
  /** Render each finding's Markdown body (for text and Slack reports; JSON leaves it out). */
  withBody?: boolean;
  /** Evidence lines taken from each listed analyzer, then from all of them together. */
  evidencePerKey?: number;
  evidenceMax?: number;
  /**
   * A condition that throws while evaluating (an operator's `a / b` with b = 0) counts as not
   * matched and is handed here; without a handler it is thrown, so a broken runbook is never
   * silently read as "no problem".
   */
  onError?: (error: RunbookEvaluationError) => void;
}

/**
 * Confidence of a matched runbook:
 *   base 0.7 for `when`,
 *   + 0.3 × (supporting conditions true / supporting conditions), so all true gives 1.0,
 *   × 0.5 for each probe in `needs` that failed on this host,
 * rounded to two decimals. A runbook without supporting conditions stays at 0.7: nothing
 * corroborated it beyond its own condition.
 */
export const CONFIDENCE = { base: 0.7, supporting: 0.3, perMissingProbe: 0.5 } as const;

interface Match {
  runbook: Runbook;
  confidence: number;
  missingProbes: string[];
}

/**
 * Evaluate every runbook against one host's signals. Root cause vs symptom: when a matched
 * runbook explains (directly, or through runbooks it explains) another matched runbook, that one
 * is a symptom. Symptom findings stay in the result with rootCause: false and `explainedBy`, after
 * all root causes, so consumers keyed on runbook ids still see them; the root cause lists them in
 * `symptoms` and takes the worst of their severities. Independent problems are all root causes,
 * worst first: severity, then confidence, then runbook id for a stable order.
 */
export function evaluateRunbooks(
  runbooks: readonly Runbook[],
  input: EvaluateInput,
  options: EvaluateOptions = {},
): Finding[] {
  const context = signalsToCel(input.signals);
  const failed = new Set([...(options.failedProbes ?? []), ...(input.signals.probes?.missing ?? [])]);
  const test = (runbook: Runbook, condition: Runbook['when']): boolean => {
    try {
      return condition.evaluate(context);
    } catch (err) {
      const error = new RunbookEvaluationError(runbook.id, runbook.file, condition.source, err);
      if (!options.onError) throw error;
      options.onError(error);
      return false;
    }
  };

  const matches = new Map<string, Match>();
  for (const runbook of runbooks) {
    if (!test(runbook, runbook.when)) continue;
    const supported = runbook.supporting.filter((condition) => test(runbook, condition)).length;
    const missingProbes = runbook.needs.filter((probe) => failed.has(probe));
    let confidence = CONFIDENCE.base;
    if (runbook.supporting.length > 0)
      confidence += (CONFIDENCE.supporting * supported) / runbook.supporting.length;
    confidence *= CONFIDENCE.perMissingProbe ** missingProbes.length;
    matches.set(runbook.id, { runbook, confidence: Math.round(confidence * 100) / 100, missingProbes });
  }

  const byId = new Map(runbooks.map((rb) => [rb.id, rb]));
  // A conditional link holds only where its condition is true on this host (evaluated once).
  const links = new Map<string, string[]>();
  const explains = (id: string): string[] => {
    const runbook = byId.get(id);
    if (!runbook) return [];
    let targets = links.get(id);
    if (!targets) {
      targets = runbook.explains
        .filter((link) => link.when === undefined || test(runbook, link.when))
        .map((link) => link.runbook);
      links.set(id, targets);
    }
    return targets;
  };
  const symptomsOf = new Map<string, string[]>();
  const explainedBy = new Map<string, string[]>();
  for (const id of matches.keys()) {
    const symptoms = reachable(id, explains).filter((other) => matches.has(other));
    symptomsOf.set(id, symptoms);
    for (const symptom of symptoms) explainedBy.set(symptom, [...(explainedBy.get(symptom) ?? []), id]);
  }

  const values = { ...input.signals, derived: derive(input.signals) } as Record<string, unknown>;
  const isRoot = (id: string) => (explainedBy.get(id) ?? []).length === 0;
  const findings = [...matches.values()].map(({ runbook, confidence, missingProbes }): Finding => {
    // Only root causes are named: in a chain a -> b -> c, c is explained by a, the cause to act on.
    const causes = (explainedBy.get(runbook.id) ?? []).filter(isRoot);
    const symptoms = causes.length > 0 ? [] : (symptomsOf.get(runbook.id) ?? []);
    const severity = worst([runbook.severity, ...symptoms.map((s) => matches.get(s)!.runbook.severity)]);
    const finding: Finding = {
      runbook: runbook.id,
      severity,
      rootCause: isRoot(runbook.id),
      symptoms,
      explainedBy: causes,
      title: renderTemplate(runbook.title, values),
      summary: renderTemplate(runbook.summary, values),
      evidence: pickEvidence(runbook.evidence, input.evidence, options),
      actions: runbook.actions.filter((action) => actionFits(action, input.signals)),
      fix: renderTemplate(runbook.fix, values),
      confidence,
      missingProbes,
    };
    if (options.withBody) finding.body = renderTemplate(runbook.body, values);
    return finding;
  });

  return findings.sort(
    (a, b) =>
      Number(b.rootCause) - Number(a.rootCause) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      b.confidence - a.confidence ||
      a.runbook.localeCompare(b.runbook),
  );
}

/** The report's verdict: the worst severity found; `info` findings alone leave a host healthy. */
export function verdictOf(findings: readonly Pick<Finding, 'severity'>[]): Verdict {
  let verdict: Verdict = 'healthy';
  for (const { severity } of findings) {
    if (severity === 'critical') return 'critical';
    if (severity === 'warning') verdict = 'warning';
  }
  return verdict;
}

/** Every runbook `id` explains, following explains transitively (the loader rejects cycles). */
function reachable(id: string, explains: (id: string) => string[]): string[] {
  const seen = new Set<string>();
  const queue = [...explains(id)];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (next === id || seen.has(next)) continue;
    seen.add(next);
    queue.push(...explains(next));
  }
  return [...seen];
}

function worst(severities: readonly Severity[]): Severity {
  return severities.reduce((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a));
}

/** The listed analyzers' lines in order, a few from each so one noisy analyzer cannot crowd out the rest. */
function pickEvidence(
  keys: readonly (keyof Signals)[],
  evidence: EvidenceMap,
  options: EvaluateOptions,
): Evidence[] {
  const perKey = options.evidencePerKey ?? 4;
  const max = options.evidenceMax ?? 12;
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const key of keys) {
    let taken = 0;
    for (const line of evidence[key] ?? []) {
      if (taken >= perKey || out.length >= max) break;
      const id = `${line.source}\u0000${line.text}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(line);
      taken++;
    }
  }
  return out;
}
