import type { ProbeFailure, ProbeFailureReason } from '../facts/types.js';
import { type AccessHint, probeFailure } from './failure-fix.js';
import type { Section } from './sections.js';

const REASONS = new Set<ProbeFailureReason>([
  'permission',
  'missing-tool',
  'timeout',
  'not-found',
  'error',
  'untrusted',
]);

/** What a probe said about who was refused (`user=`, `group=`, `sysctl=` beside reason=permission). */
export function accessHint(attrs: Readonly<Record<string, string>>): AccessHint {
  const hint: AccessHint = {};
  if (attrs.user) hint.user = attrs.user;
  if (attrs.group) hint.group = attrs.group;
  if (attrs.sysctl) hint.sysctl = attrs.sysctl;
  return hint;
}

/** A probe's own @@error sections -> typed failures, keeping a fix the script gave. */
export function sectionFailures(probe: string, sections: readonly Section[]): ProbeFailure[] {
  return sections
    .filter((s) => s.kind === 'error')
    .map((s) => {
      const reason = REASONS.has(s.attrs.reason as ProbeFailureReason)
        ? (s.attrs.reason as ProbeFailureReason)
        : 'error';
      const target = s.attrs.path ?? s.attrs.pool ?? s.attrs.tool ?? s.attrs.config ?? s.name;
      const f = probeFailure(
        probe,
        target,
        reason,
        s.body.trim() || `${s.name}: ${reason}`,
        accessHint(s.attrs),
      );
      if (s.attrs.fix) f.fix = s.attrs.fix;
      return f;
    });
}
