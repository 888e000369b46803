import type { ActionsBlock, Button, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { HostReport, ReportFinding } from '../../../src/report/host-report.js';
import { parseActionValue, parseRawEvidenceValue } from '../../../src/slack/blocks/action-value.js';
import { firstSentence, reportMessage } from '../../../src/slack/blocks/report.js';
import { allText, assertWithinSlackLimits, mrkdwnText, scenarioReport } from './helpers.js';

const EVIDENCE = {
  selfRequest: [
    { source: 'ss' as const, text: 'worker 2911 -> 127.0.0.1:80 (own nginx listener)' },
    { source: 'ss' as const, text: 'worker 2912 -> 127.0.0.1:80 (own nginx listener)' },
  ],
  pools: [{ source: 'fpm-status' as const, text: 'pool www: 10/10 busy, 37 queued' }],
  web: [
    {
      source: 'nginx' as const,
      text: 'upstream timed out (110: Connection timed out) while reading response header',
    },
  ],
};

const sections = (blocks: KnownBlock[]) => blocks.filter((b): b is SectionBlock => b.type === 'section');
const buttons = (blocks: KnownBlock[]) =>
  blocks.filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements as Button[]);

function finding(runbook: string, overrides: Partial<ReportFinding> = {}): ReportFinding {
  return {
    runbook,
    severity: 'critical',
    rootCause: true,
    symptoms: [],
    explainedBy: [],
    title: `${runbook} title`,
    summary: `${runbook} summary`,
    evidence: [{ source: 'ss', text: 'worker 2911 -> 127.0.0.1:80' }],
    actions: ['fpm-reload'],
    fix: 'Do the fix.',
    confidence: 0.9,
    missingProbes: [],
    ...overrides,
  };
}

function report(findings: ReportFinding[], overrides: Partial<HostReport> = {}): HostReport {
  return {
    host: 'web-1',
    verdict: 'critical',
    durationMs: 840,
    collectedAt: '2026-11-20T03:00:00.000Z',
    windowMinutes: 15,
    windowSeconds: 900,
    findings,
    probes: [
      { id: 'runtime', ok: true, ms: 30, bytes: 100 },
      { id: 'logs', ok: true, ms: 20, bytes: 100 },
    ],
    failures: [],
    ...overrides,
  };
}

describe('reportMessage on a report from the real engine', () => {
  it('self-request deadlock: verdict and root cause first, the symptom folded under it', async () => {
    const r = await scenarioReport('self-request-deadlock', EVIDENCE);
    expect(r.findings.map((f) => [f.runbook, f.rootCause])).toEqual(
      expect.arrayContaining([
        ['self-request-deadlock', true],
        ['pool-exhausted', false],
      ]),
    );
    const m = reportMessage(r, { reportId: 'job-42', requestedBy: 'U123ABC' });
    assertWithinSlackLimits(m);

    const head = m.blocks[0] as HeaderBlock;
    expect(head.type).toBe('header');
    expect(head.text.text).toBe(':red_circle: web-1 — Workers call their own site and deadlock the pool');
    expect(m.text).toBe('CRITICAL web-1: Workers call their own site and deadlock the pool');
    expect(allText(m)).toContain('requested by <@U123ABC>');

    // One finding section: the symptom is not a section of its own but a line under its root cause.
    const findingSections = sections(m.blocks).filter((b) => b.block_id?.startsWith('finding:'));
    expect(findingSections.map((b) => b.block_id)).toEqual(['finding:self-request-deadlock']);
    const body = findingSections[0]!.text!.text;
    expect(body).toContain('*Workers call their own site and deadlock the pool*');
    expect(body).toContain('ss: worker 2911 -&gt; 127.0.0.1:80 (own nginx listener)');
    expect(body).toMatch(/\*Fix:\* Kill the stuck workers now \(pids 2911, 2912/);
    expect(body).toContain('`runbooks/self-request-deadlock.md`');
    const notes = m.blocks.find((b) => b.block_id === 'finding-notes:self-request-deadlock');
    expect(JSON.stringify(notes)).toContain(
      'Explains: Every FPM worker is busy and requests are queuing (`pool-exhausted`)',
    );
  });

  it('the strongest evidence: the first lines, the rest counted', async () => {
    const r = await scenarioReport('self-request-deadlock', EVIDENCE);
    const body = sections(reportMessage(r, { reportId: 'r1' }).blocks)[0]!.text!.text;
    expect(body).toContain('worker 2912');
    expect(body).toContain('pool www: 10/10 busy');
    expect(body).not.toContain('upstream timed out');
    expect(body).toContain('1 more evidence line in Raw evidence');
  });

  it('actions are buttons with a confirm dialog, the fpm-action: prefix and a parseable value', async () => {
    const r = await scenarioReport('self-request-deadlock', EVIDENCE);
    const m = reportMessage(r, { reportId: 'job-42' });
    const [kill, reload, raw] = buttons(m.blocks);
    expect(kill!.action_id).toBe('fpm-action:kill-stuck-workers');
    expect(kill!.style).toBe('danger');
    expect(kill!.confirm?.title?.text).toBe('Kill stuck workers on web-1?');
    expect(kill!.confirm?.style).toBe('danger');
    expect(parseActionValue(kill!.value!)).toEqual({
      host: 'web-1',
      runbook: 'self-request-deadlock',
      action: 'kill-stuck-workers',
      reportId: 'job-42',
    });
    expect(reload!.action_id).toBe('fpm-action:fpm-reload');
    expect(reload!.confirm?.text.text).toContain('Config test first (no reload if it fails)');
    expect(raw!.action_id).toBe('fpm-raw-evidence');
    expect(raw!.text.text).toBe('Raw evidence');
    expect(parseRawEvidenceValue(raw!.value!)).toEqual({ host: 'web-1', reportId: 'job-42' });
  });

  it('links the runbook when a base URL is configured', async () => {
    const r = await scenarioReport('pool-exhausted');
    const m = reportMessage(r, {
      reportId: 'r1',
      runbookUrl: (id) => `https://wiki.example.com/runbooks/${id}`,
    });
    assertWithinSlackLimits(m);
    expect(allText(m)).toContain(
      '<https://wiki.example.com/runbooks/pool-exhausted|Runbook: pool-exhausted>',
    );
  });

  it('with approvals off the buttons stay and a line says how to enable them', async () => {
    const r = await scenarioReport('pool-exhausted');
    const m = reportMessage(r, { reportId: 'r1', approvalsEnabled: false });
    expect(buttons(m.blocks).map((b) => b.action_id)).toContain('fpm-action:fpm-reload');
    expect(allText(m)).toContain('FPM_MEDIC_POLICY');
    expect(buttons(m.blocks)[0]!.confirm!.text.text).toContain('Nobody may approve actions');
  });

  it('a healthy host', async () => {
    const r = report([], { verdict: 'healthy' });
    const m = reportMessage(r, { reportId: 'r1' });
    assertWithinSlackLimits(m);
    expect((m.blocks[0] as HeaderBlock).text.text).toBe(':large_green_circle: web-1 — no problem found');
    expect(allText(m)).toContain('2/2 probes ok · 840 ms · last 15 min of logs');
  });

  it('unknown: says it could not look and what could not be read, with the fix', () => {
    const r = report([], {
      verdict: 'unknown',
      probes: [
        { id: 'runtime', ok: true, ms: 30, bytes: 100 },
        { id: 'logs', ok: false, ms: 20, bytes: 0 },
      ],
      failures: [
        {
          probe: 'logs',
          target: '/var/log/nginx/error.log',
          reason: 'permission',
          detail: 'Permission denied',
          fix: 'add the SSH user to the adm group',
        },
      ],
    });
    const m = reportMessage(r, { reportId: 'r1' });
    assertWithinSlackLimits(m);
    const text = allText(m);
    expect((m.blocks[0] as HeaderBlock).text.text).toBe(
      ':white_circle: web-1 — could not look at everything',
    );
    expect(text).toContain('*not* a clean bill of health');
    expect(text).toContain(
      'could not read `/var/log/nginx/error.log` (logs): permission, Permission denied — add the SSH user to the adm group',
    );
    expect(text).toContain('1/2 probes ok (failed: logs)');
  });

  it('a healthy verdict with an info finding shows the finding, not "no problem found"', () => {
    const m = reportMessage(
      report([finding('note', { severity: 'info', actions: [] })], { verdict: 'healthy' }),
      {
        reportId: 'r1',
      },
    );
    assertWithinSlackLimits(m);
    expect((m.blocks[0] as HeaderBlock).text.text).toBe(':large_green_circle: web-1 — note title');
    expect(allText(m)).not.toContain('No problem found');
  });

  it('root causes are ordered worst first, whatever order they came in', () => {
    const m = reportMessage(
      report([
        finding('slow-requests', { severity: 'warning' }),
        finding('fpm-down', { severity: 'critical' }),
      ]),
      { reportId: 'r1' },
    );
    const ids = sections(m.blocks).map((b) => b.block_id);
    expect(ids.indexOf('finding:fpm-down')).toBeLessThan(ids.indexOf('finding:slow-requests'));
    expect((m.blocks[0] as HeaderBlock).text.text).toContain('fpm-down title');
  });

  it('a symptom whose root cause is missing is still shown', () => {
    const m = reportMessage(
      report([finding('pool-exhausted', { rootCause: false, explainedBy: ['gone'] })]),
      {
        reportId: 'r1',
      },
    );
    expect(sections(m.blocks).map((b) => b.block_id)).toContain('finding:pool-exhausted');
  });

  it('refuses a report id that could not round-trip through a button', () => {
    expect(() => reportMessage(report([]), { reportId: 'bad id"' })).toThrow(/report id/);
  });

  it('the fix is one sentence', () => {
    expect(firstSentence('Raise pm.max_children to 40. Then watch memory.')).toBe(
      'Raise pm.max_children to 40.',
    );
    expect(firstSentence('Kill pids 1, 2; then fix the code')).toBe('Kill pids 1, 2; then fix the code');
  });
});

describe('reportMessage: log text cannot inject Slack markup', () => {
  const hostile = [
    '<!channel> wake up',
    '<!here|here> and <!everyone>',
    'click <https://evil.example.com|your bank>',
    '<@U0ADMIN> approve this',
    'a ``` fence that would end the code block ``` and *bold*',
    'a & b < c > d',
  ];

  it('in evidence, titles, summaries, fixes, failures and probe names', () => {
    const f = finding('pool-exhausted', {
      title: hostile[0]!,
      summary: hostile[2]!,
      fix: hostile[3]!,
      evidence: hostile.map((text) => ({ source: 'nginx' as const, text })),
      missingProbes: ['<!channel>'],
    });
    const r = report([f], {
      host: 'web-1',
      probes: [{ id: '<!here>', ok: false, ms: 1, bytes: 0 }],
      failures: [
        {
          probe: '<!channel>',
          target: '<https://evil|x>',
          reason: 'error',
          detail: '<!channel>',
          fix: '<@U1>',
        },
      ],
    });
    const m = reportMessage(r, { reportId: 'r1', evidenceLines: 10 });
    // The helper refuses any "<" in mrkdwn other than our own mentions and links.
    assertWithinSlackLimits(m);
    const text = mrkdwnText(m);
    expect(text).not.toMatch(/<!|<@U0ADMIN|<https:\/\/evil/);
    // Slack does not parse plain_text (the header, buttons), so there it is shown as written.
    expect((m.blocks[0] as HeaderBlock).text.type).toBe('plain_text');
    expect(text).toContain('&lt;!channel&gt; wake up');
    expect(text).toContain('a &amp; b &lt; c &gt; d');
    expect(m.text).not.toContain('<!channel>');
  });
});

describe('reportMessage: limits hold for any input', () => {
  it('200 findings with 10k-character evidence lines', () => {
    const findings = Array.from({ length: 200 }, (_, i) =>
      finding(`runbook-${i}`, {
        title: `T${i} ${'x'.repeat(400)}`,
        summary: 's'.repeat(5000),
        fix: 'f'.repeat(5000),
        evidence: Array.from({ length: 12 }, () => ({ source: 'nginx' as const, text: '<&>'.repeat(3400) })),
        symptoms: Array.from({ length: 100 }, (_, j) => `symptom-${j}`),
        actions: ['fpm-reload', 'fpm-start', 'kill-stuck-workers'],
        missingProbes: Array.from({ length: 30 }, (_, j) => `probe-${j}`),
      }),
    );
    const failures = Array.from({ length: 300 }, (_, i) => ({
      probe: `p${i}`,
      target: '/x'.repeat(500),
      reason: 'error' as const,
      detail: 'd'.repeat(3000),
      fix: 'f'.repeat(3000),
    }));
    const probes = Array.from({ length: 300 }, (_, i) => ({ id: `probe-${i}`, ok: false, ms: 1, bytes: 0 }));
    const m = reportMessage(report(findings, { failures, probes, host: 'h'.repeat(63) }), {
      reportId: 'r'.repeat(128),
      requestedBy: 'U123',
    });
    assertWithinSlackLimits(m);
    const text = allText(m);
    // The first finding is shown, the note says how many more there are and where to see them.
    expect(text).toContain('T0 ');
    expect(text).toMatch(/…\d+ more findings \(see `fpm-medic diagnose h+` or Raw evidence\)/);
    // What must survive any cut: the verdict, the raw evidence button, the probe summary.
    expect(m.blocks[0]!.type).toBe('header');
    expect(buttons(m.blocks).some((b) => b.action_id === 'fpm-raw-evidence')).toBe(true);
    expect(text).toContain('0/300 probes ok');
    expect(text).toContain('…and 295 more could-not-read');
  });

  it('many small findings: the note counts exactly what was left out', () => {
    const findings = Array.from({ length: 60 }, (_, i) => finding(`rb-${i}`));
    const m = reportMessage(report(findings), { reportId: 'r1' });
    assertWithinSlackLimits(m);
    const shown = sections(m.blocks).filter((b) => b.block_id?.startsWith('finding:')).length;
    expect(shown).toBeGreaterThan(5);
    expect(allText(m)).toContain(`…${60 - shown} more findings`);
  });
});
