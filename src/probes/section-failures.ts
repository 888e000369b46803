import type { ProbeFailure, ProbeFailureReason } from '../facts/types.js';
import { probeFailure } from './failure-fix.js';
import type { Section } from './sections.js';

const REASONS = new Set<ProbeFailureReason>([
  'permission',
  'missing-tool',
  'timeout',
  'not-found',
  'error',
  'untrusted',
]);

/** A probe's own @@error sections -> typed failures, keeping a fix the script gave. */
export function sectionFailures(probe: string, sections: readonly Section[]): ProbeFailure[] {
  return sections
    .filter((s) => s.kind === 'error')
    .map((s) => {
      const reason = REASONS.has(s.attrs.reason as ProbeFailureReason)
        ? (s.attrs.reason as ProbeFailureReason)
        : 'error';
      const target = s.attrs.path ?? s.attrs.pool ?? s.attrs.tool ?? s.attrs.config ?? s.name;
      const f = probeFailure(probe, target, reason, s.body.trim() || `${s.name}: ${reason}`);
      if (s.attrs.fix) f.fix = s.attrs.fix;
      return f;
    });
}
