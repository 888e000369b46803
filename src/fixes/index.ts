/**
 * The fix for good of one host's findings: capacity per pool, and one coherent plan of config
 * changes as a diff per file, with each finding's share of it (src/report puts them in the JSON
 * report: `capacity`, `patch`, `findings[].patch`).
 */
import type { Signals } from '../analysis/signals.js';
import type { HostFacts } from '../facts/types.js';
import { type PoolCapacity, poolCapacity } from './capacity.js';
import { type FilePatch, planDiffs } from './diff.js';
import { type ConfigChange, type FindingFixes, planFixes } from './plan.js';

export type { PoolCapacity } from './capacity.js';
export type { FilePatch } from './diff.js';
export type { ConfigChange, FindingFixes, ReloadTarget } from './plan.js';

export interface ConfigPatch {
  /** One unified diff per file, for `patch -p0`. */
  files: FilePatch[];
  changes: ConfigChange[];
}

export interface HostFixes {
  capacity: PoolCapacity[];
  /** Every change once; absent when no finding's fix changes anything. */
  patch?: ConfigPatch;
  /** The changes each finding asked for (a change two findings share is in both). */
  byFinding: Map<string, ConfigPatch>;
}

/** Where discovery read each config file: the fingerprint a patch of it was computed from. */
function fingerprints(facts: HostFacts): (path: string) => string | undefined {
  const byPath = new Map<string, string>();
  for (const f of [...(facts.fpm.configFiles ?? []), ...(facts.web?.files ?? [])]) {
    if (f.sha256) byPath.set(f.path, f.sha256);
  }
  return (path) => byPath.get(path);
}

export function hostFixes(facts: HostFacts, signals: Signals, findings: readonly FindingFixes[]): HostFixes {
  const capacity = poolCapacity(facts, signals);
  const changes = planFixes({ facts, signals, capacity }, findings);
  const sha256Of = fingerprints(facts);
  const patchOf = (cs: ConfigChange[]): ConfigPatch => ({ files: planDiffs(cs, sha256Of), changes: cs });
  const byFinding = new Map<string, ConfigPatch>();
  for (const f of findings) {
    const mine = changes.filter((c) => c.findings.includes(f.runbook));
    if (mine.length > 0) byFinding.set(f.runbook, patchOf(mine));
  }
  return { capacity, ...(changes.length > 0 ? { patch: patchOf(changes) } : {}), byFinding };
}
