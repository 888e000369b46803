/** Requests over request_slowlog_timeout: which script, and where in it they were stuck. */

import type { HostFacts, SlowLogEntry } from '../facts/types.js';
import { capEvidence, clockTime } from './evidence.js';
import { inWindow } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';

const frameText = (f: SlowLogEntry['frames'][number]) => `${f.fn}() ${f.file}:${f.line}`;

function countBy<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

interface Slow {
  time: number;
  script: string;
  pool: string;
  frames: string[];
  dumpFailed: boolean;
}

/**
 * The slowlog when it has entries; else FPM's own "executing too slow" lines, which are logged
 * even when the slowlog file is unreadable to us or ptrace was denied (§2.4). They are the same
 * events, so the two are never added up.
 */
function slowRequests(facts: HostFacts): { items: Slow[]; source: 'slow-log' | 'fpm-log' } {
  const entries = facts.slowLog.filter((e) => inWindow(facts, e.time));
  if (entries.length > 0) {
    return {
      source: 'slow-log',
      items: entries.map((e) => ({
        time: e.time,
        script: e.script,
        pool: e.pool,
        frames: e.frames.map(frameText),
        dumpFailed: e.dumpFailed === true,
      })),
    };
  }
  const lines = facts.fpmLog.filter((e) => e.kind === 'executing-too-slow' && inWindow(facts, e.time));
  return {
    source: 'fpm-log',
    items: lines.map((e) => ({
      time: e.time,
      script: e.script ?? '',
      pool: e.pool ?? '',
      frames: [],
      dumpFailed: false,
    })),
  };
}

export function analyzeSlowRequests(facts: HostFacts): AnalyzerResult<'slowRequests'> {
  const { items, source } = slowRequests(facts);
  const scripts = countBy(items, (s) => s.script);
  const [topScript, topScriptCount] = scripts[0] ?? ['', 0];
  const stacks = countBy(
    items.filter((s) => s.script === topScript && s.frames.length > 0),
    (s) => s.frames.join('\n'),
  );
  const topFrames = stacks[0] ? stacks[0][0].split('\n').slice(0, 5) : [];
  const off = facts.clock.utcOffsetMin;
  const evidence: Evidence[] = scripts.map(([script, n]) => {
    const of = items.filter((s) => s.script === script);
    const pools = [...new Set(of.map((s) => s.pool))].join(', ');
    const first = Math.min(...of.map((s) => s.time));
    const stack =
      script === topScript && topFrames.length > 0 ? `; stack: ${topFrames.slice(0, 3).join(' ← ')}` : '';
    return {
      source: source,
      text: `${source === 'slow-log' ? 'slowlog' : 'FPM "executing too slow"'}: ${script} ×${n} (pool ${pools}) since ${clockTime(first, off)}${stack}`,
      time: first,
    };
  });
  const failed = items.filter((s) => s.dumpFailed).length;
  if (failed > 0) {
    evidence.push({
      source: 'slow-log',
      text: `slowlog: ${failed} stack dump${failed === 1 ? '' : 's'} failed ("+++ dump failed": FPM could not ptrace the worker)`,
    });
  }
  return {
    key: 'slowRequests',
    value: { count: items.length, topScript, topScriptCount, topFrames },
    evidence: capEvidence(evidence),
  };
}
