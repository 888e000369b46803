/**
 * Which diagnoses a partial look at a host can still make. A runbook that did not match is only
 * ruled out when nothing it decides on was hidden: every runbook's condition names the signals it
 * reads, and every failure the signals it may have left wrong (analysis/blind-spots.ts), so this
 * holds for an operator's own runbooks exactly as for the shipped ones.
 */
import { hiddenSignals, hidesEvidence, type SignalKey } from '../analysis/blind-spots.js';
import type { ProbeFailure, ProbeRun } from '../facts/types.js';
import { failureHeadline } from '../probes/failure-fix.js';
import { SIGNAL_KEYS } from './signal-spec.js';
import type { Finding, Runbook } from './types.js';

export interface CoverageGap {
  runbook: string;
  /** What could not be seen, one line per failure: "kernel: dmesg not readable as ...". */
  because: string[];
}

export interface Coverage {
  /** Every probe ran and nothing was hidden: a report without findings is a clean bill of health. */
  complete: boolean;
  /** Runbooks that did not match and could not have matched on what was hidden: ruled out. */
  checked: string[];
  /** Runbooks that did not match, but something they decide on could not be seen. */
  blind: CoverageGap[];
}

// Metadata rather than evidence: known whatever the host hides.
const ALWAYS_KNOWN = new Set<string>(['host', 'probes']);
const SIGNAL_NAMES = new Set<string>(SIGNAL_KEYS);

/**
 * The top-level signals a CEL condition reads: identifiers that are declared signals, not field
 * names after a dot and not inside string literals (CEL has no other way to reach a signal).
 */
export function signalsRead(source: string): SignalKey[] {
  const code = source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const found = new Set<SignalKey>();
  for (const m of code.matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)) {
    const name = m[1]!;
    if (SIGNAL_NAMES.has(name) && !ALWAYS_KNOWN.has(name)) found.add(name as SignalKey);
  }
  return [...found];
}

export function describeGap(failure: ProbeFailure): string {
  return `${failure.probe}: ${failureHeadline(failure.detail, 200) || failure.reason}`;
}

export function runbookCoverage(
  runbooks: readonly Pick<Runbook, 'id' | 'when' | 'needs'>[],
  seen: { failures: readonly ProbeFailure[]; probes: readonly Pick<ProbeRun, 'id' | 'ok'>[] },
  findings: readonly Pick<Finding, 'runbook'>[],
): Coverage {
  const hiding = seen.failures.filter(hidesEvidence);
  const failedRuns = seen.probes.filter((p) => !p.ok).map((p) => p.id);
  const matched = new Set(findings.map((f) => f.runbook));
  const checked: string[] = [];
  const blind: CoverageGap[] = [];
  for (const rb of runbooks) {
    if (matched.has(rb.id)) continue;
    const reads = signalsRead(rb.when.source);
    const because = hiding
      .filter((f) => {
        const hidden = hiddenSignals(f);
        // A probe the runbook says it needs that did not run at all blinds it whatever it reads.
        const neededProbeFailed = rb.needs.includes(f.probe) && failedRuns.includes(f.probe);
        return neededProbeFailed || hidden === 'all' || reads.some((s) => hidden.includes(s));
      })
      .map(describeGap);
    if (because.length > 0) blind.push({ runbook: rb.id, because: [...new Set(because)] });
    else checked.push(rb.id);
  }
  return { complete: hiding.length === 0 && failedRuns.length === 0, checked, blind };
}
