import type { Evidence, Signals } from '../analysis/signals.js';
import type { CompiledCondition } from './cel-env.js';
import type { ActionId, FixId, Severity } from './ids.js';
import type { Template } from './template.js';

/** A runbook file, validated and compiled: evaluating it can no longer meet an unknown name. */
export interface Runbook {
  id: string;
  file: string;
  severity: Severity;
  title: Template;
  when: CompiledCondition;
  supporting: CompiledCondition[];
  /** Runbooks this one is a root cause of, as written (the engine follows them transitively). */
  explains: ExplainsLink[];
  evidence: (keyof Signals)[];
  summary: Template;
  fix: Template;
  actions: ActionId[];
  /** One of WORKER_PID_PATHS: the signal whose pids are the workers this finding names. */
  workers?: string;
  /** The config fixes whose patch this runbook's finding carries. */
  fixes: FixId[];
  needs: string[];
  body: Template;
}

/**
 * `explains: [a, { runbook: b, when: "<CEL>" }]`: a is always explained; b only while the condition
 * holds on this host (the evidence connects the two), else b stands as a root cause of its own.
 */
export interface ExplainsLink {
  runbook: string;
  when?: CompiledCondition;
}

export type EvidenceMap = { [K in keyof Signals]?: Evidence[] };

export interface Finding {
  runbook: string;
  /** The runbook's severity, raised to the worst of the symptoms it explains. */
  severity: Severity;
  /** False when another matched runbook explains this one; it is then listed in that one's `symptoms`. */
  rootCause: boolean;
  /** Matched runbooks this root cause explains, directly or through another. */
  symptoms: string[];
  /** For a symptom: the matched root causes that explain it. */
  explainedBy: string[];
  title: string;
  summary: string;
  evidence: Evidence[];
  actions: ActionId[];
  fix: string;
  /** 0..1, see engine.ts. */
  confidence: number;
  /** Probes the runbook needs that failed on this host: the finding may be incomplete. */
  missingProbes: string[];
  /** The rendered Markdown body, when asked for. */
  body?: string;
}

export type Verdict = 'healthy' | 'warning' | 'critical';
