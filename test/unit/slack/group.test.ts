import type { HeaderBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { HostReport, ReportVerdict } from '../../../src/report/host-report.js';
import { groupMessage } from '../../../src/slack/blocks/group.js';
import { allText, assertWithinSlackLimits, mrkdwnText, scenarioReport } from './helpers.js';

function host(name: string, verdict: ReportVerdict, title?: string): HostReport {
  return {
    host: name,
    verdict,
    durationMs: 500,
    collectedAt: '2026-11-20T03:00:00.000Z',
    windowMinutes: 15,
    windowSeconds: 900,
    findings: title
      ? [
          {
            runbook: 'pool-exhausted',
            severity: verdict === 'warning' ? 'warning' : 'critical',
            rootCause: true,
            symptoms: [],
            explainedBy: [],
            title,
            summary: 's',
            evidence: [],
            actions: [],
            fix: 'f',
            confidence: 1,
            missingProbes: [],
          },
        ]
      : [],
    probes: [{ id: 'runtime', ok: verdict !== 'unknown', ms: 1, bytes: 1 }],
    failures: [],
  };
}

const hostLines = (m: ReturnType<typeof groupMessage>) =>
  m.blocks.filter((b): b is SectionBlock => b.type === 'section').flatMap((b) => b.text!.text.split('\n'));

describe('groupMessage', () => {
  it('one line per host, worst first: critical, unknown, warning, healthy', async () => {
    const deadlock = await scenarioReport('self-request-deadlock');
    const m = groupMessage(
      [
        host('web-1', 'healthy'),
        host('web-2', 'warning', 'Requests are hitting the FPM slow log'),
        { ...deadlock, host: 'web-3' },
        host('web-4', 'unknown'),
        host('web-5', 'critical', 'PHP-FPM is not running or its socket is gone'),
      ],
      { target: 'web', requestedBy: 'U123' },
    );
    assertWithinSlackLimits(m);
    expect((m.blocks[0] as HeaderBlock).text.text).toBe(':red_circle: web: 4 of 5 hosts need attention');
    expect(hostLines(m)).toEqual([
      ':red_circle: *web-3* — Workers call their own site and deadlock the pool',
      ':red_circle: *web-5* — PHP-FPM is not running or its socket is gone',
      ':white_circle: *web-4* — could not look: 1 probe failed',
      ':large_yellow_circle: *web-2* — Requests are hitting the FPM slow log',
      ':large_green_circle: *web-1* — healthy',
    ]);
    expect(allText(m)).toContain('*2 critical, 1 unknown, 1 warning, 1 healthy* · requested by <@U123>');
    expect(m.text).toBe('web: 2 critical, 1 unknown, 1 warning, 1 healthy');
  });

  it('a host with several root causes says how many more', () => {
    const r = host('web-1', 'critical', 'First');
    r.findings.push({ ...r.findings[0]!, runbook: 'other', title: 'Second' });
    expect(hostLines(groupMessage([r], { target: 'g' }))).toEqual([
      ':red_circle: *web-1* — First _(+1 more)_',
    ]);
  });

  it('500 hosts: every host needing attention, the healthy tail summarised', () => {
    const reports = Array.from({ length: 500 }, (_, i) =>
      host(`web-${i}`, i % 100 === 7 ? 'critical' : i % 100 === 8 ? 'warning' : 'healthy', 'Pool exhausted'),
    );
    const m = groupMessage(reports, { target: 'fleet' });
    assertWithinSlackLimits(m);
    const lines = hostLines(m);
    expect(lines.slice(0, 5).every((l) => l.startsWith(':red_circle:'))).toBe(true);
    expect(lines.slice(5, 10).every((l) => l.startsWith(':large_yellow_circle:'))).toBe(true);
    expect(lines[10]).toMatch(/^:large_green_circle: 490 healthy: web-0, web-1, .* …and \d+ more healthy$/);
    expect(lines).toHaveLength(11);
  });

  it('more hosts needing attention than fit: the rest counted by verdict', () => {
    const reports = Array.from({ length: 500 }, (_, i) =>
      host(`host-${i}`, i % 2 ? 'critical' : 'unknown', `${'Long root cause title '.repeat(8)}`),
    );
    const m = groupMessage(reports, { target: 'fleet' });
    assertWithinSlackLimits(m);
    const lines = hostLines(m);
    expect(lines.length).toBeLessThanOrEqual(41);
    expect(lines.at(-1)).toMatch(/^…and \d+ more: \d+ critical, \d+ unknown$/);
  });

  it('host names and titles cannot inject markup', () => {
    const m = groupMessage([host('web-1', 'critical', '<!channel> <https://evil|x>')], { target: '<!here>' });
    assertWithinSlackLimits(m);
    expect(mrkdwnText(m)).not.toMatch(/<!|<https/);
    expect(m.text).not.toContain('<!here>');
  });

  it('an empty group', () => {
    const m = groupMessage([], { target: 'empty' });
    assertWithinSlackLimits(m);
    expect((m.blocks[0] as HeaderBlock).text.text).toContain('0 of 0 hosts');
  });
});
