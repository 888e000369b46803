import { describe, expect, it } from 'vitest';
import { groupExitCode } from '../../../src/cli/commands/diagnose.js';
import { formatReportText } from '../../../src/cli/format-report.js';
import { buildHostReport, type HostReport } from '../../../src/report/host-report.js';
import type { Finding } from '../../../src/runbooks/index.js';
import { facts } from '../slack/helpers.js';

function finding(runbook: string, severity: Finding['severity'], rootCause = true): Finding {
  return {
    runbook,
    severity,
    rootCause,
    symptoms: rootCause ? [] : [],
    explainedBy: rootCause ? [] : ['self-request-deadlock'],
    title: `${runbook} title`,
    summary: `${runbook} summary`,
    evidence: [{ source: 'ss', text: 'worker 2911 -> 127.0.0.1:80 (own nginx listener)' }],
    actions: ['kill-stuck-workers'],
    fix: 'do the fix',
    confidence: 1,
    missingProbes: [],
  };
}

describe('report verdict', () => {
  it('is critical when any finding is critical, warning when the worst is a warning', () => {
    expect(
      buildHostReport({
        facts: facts(),
        findings: [finding('a', 'warning'), finding('b', 'critical')],
        unreachable: false,
        durationMs: 5,
      }).verdict,
    ).toBe('critical');
    expect(
      buildHostReport({
        facts: facts(),
        findings: [finding('a', 'warning')],
        unreachable: false,
        durationMs: 5,
      }).verdict,
    ).toBe('warning');
  });

  it('is healthy only when every probe ran: a host not fully looked at is unknown, never healthy', () => {
    expect(buildHostReport({ facts: facts(), findings: [], unreachable: false, durationMs: 5 }).verdict).toBe(
      'healthy',
    );
    const partial = facts({ probes: [{ id: 'logs', ok: false, ms: 1, bytes: 0 }] });
    expect(buildHostReport({ facts: partial, findings: [], unreachable: false, durationMs: 5 }).verdict).toBe(
      'unknown',
    );
    expect(buildHostReport({ facts: facts(), findings: [], unreachable: true, durationMs: 5 }).verdict).toBe(
      'unknown',
    );
  });

  it('follows the DESIGN.md JSON shape', () => {
    const r = buildHostReport({
      facts: facts(),
      findings: [finding('self-request-deadlock', 'critical')],
      unreachable: false,
      durationMs: 840.4,
    });
    expect(r).toMatchObject({
      host: 'web-1',
      verdict: 'critical',
      durationMs: 840,
      findings: [
        {
          runbook: 'self-request-deadlock',
          severity: 'critical',
          rootCause: true,
          symptoms: [],
          title: expect.any(String),
          summary: expect.any(String),
          evidence: [{ source: 'ss', text: expect.any(String) }],
          actions: ['kill-stuck-workers'],
        },
      ],
      probes: [
        { id: 'runtime', ok: true, ms: 30 },
        { id: 'logs', ok: true, ms: 20 },
      ],
    });
  });
});

describe('exit codes (monitoring-plugin convention)', () => {
  it('a group exits with its worst host; critical outranks unknown', () => {
    expect(groupExitCode(['healthy', 'healthy'])).toBe(0);
    expect(groupExitCode(['healthy', 'warning'])).toBe(1);
    expect(groupExitCode(['unknown', 'warning'])).toBe(3);
    expect(groupExitCode(['unknown', 'critical', 'warning'])).toBe(2);
  });
});

describe('text report', () => {
  const report: HostReport = buildHostReport({
    facts: facts({
      failures: [
        {
          probe: 'logs',
          target: '/var/log/nginx/error.log',
          reason: 'permission',
          detail: 'cannot read',
          fix: 'run as root',
        },
      ],
    }),
    findings: [finding('self-request-deadlock', 'critical'), finding('pool-exhausted', 'critical', false)],
    unreachable: false,
    durationMs: 840,
  });

  it('puts the verdict and root cause first, symptoms folded, unreadable sources named', () => {
    const text = formatReportText(report, { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('web-1: CRITICAL — self-request-deadlock title');
    expect(text).toContain('[ss] worker 2911 -> 127.0.0.1:80 (own nginx listener)');
    expect(text).toContain('fix: do the fix');
    expect(text).toContain('symptoms: pool-exhausted (explained by self-request-deadlock)');
    expect(text).toContain('could not read /var/log/nginx/error.log (logs): permission');
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('colours only when asked (a TTY)', () => {
    expect(formatReportText(report, { color: true })).toMatch(/\u001b\[/);
  });
});
