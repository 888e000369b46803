import type { Signals } from '../../../src/analysis/signals.js';
import { evaluateRunbooks } from '../../../src/runbooks/engine.js';
import { RunbookError } from '../../../src/runbooks/errors.js';
import { compileRunbooks, loadRunbooks, type RunbookSource } from '../../../src/runbooks/loader.js';
import type { Finding, Runbook } from '../../../src/runbooks/types.js';

let shipped: Promise<Runbook[]> | undefined;

export function shippedRunbooks(): Promise<Runbook[]> {
  shipped ??= loadRunbooks();
  return shipped;
}

export async function diagnose(signals: Signals, failedProbes: string[] = []): Promise<Finding[]> {
  return evaluateRunbooks(await shippedRunbooks(), { signals, evidence: {} }, { failedProbes });
}

export async function matched(signals: Signals): Promise<string[]> {
  return (await diagnose(signals)).map((f) => f.runbook).sort();
}

/** A runbook file's text from front matter lines and an optional body. */
export function runbookText(frontMatter: string[], body = '## What it means\n\nSomething.\n'): string {
  return ['---', ...frontMatter, '---', '', body].join('\n');
}

/** Front matter of a minimal valid runbook, one line per key, so a test can swap one line. */
export function minimalFrontMatter(id: string, replace: Record<string, string> = {}): string[] {
  const lines: Record<string, string> = {
    id: `id: ${id}`,
    title: 'title: Something is wrong',
    severity: 'severity: warning',
    when: 'when: fpm.masters > 5',
    summary: 'summary: "{{fpm.masters}} masters"',
    fix: 'fix: Stop some',
    actions: 'actions: [fpm-reload]',
    ...replace,
  };
  return Object.values(lines).filter((line) => line !== '');
}

/** The problems compileRunbooks reports, formatted as in the start-up message. */
export function loadProblems(sources: RunbookSource[]): string[] {
  try {
    compileRunbooks(sources);
  } catch (err) {
    if (err instanceof RunbookError)
      return err.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw err;
  }
  return [];
}
