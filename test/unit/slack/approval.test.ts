import { describe, expect, it } from 'vitest';
import type { ActionRequest } from '../../../src/remediation/request.js';
import { parseRequestValue } from '../../../src/slack/blocks/action-value.js';
import { alreadyMessage, approvalMessage, statusLine } from '../../../src/slack/blocks/approval.js';
import { confirmText } from '../../../src/slack/blocks/report.js';
import { historyMessage } from '../../../src/slack/history-message.js';

const base: ActionRequest = {
  id: 'rq-0123456789abcdef01234567',
  action: 'kill-stuck-workers',
  runbook: 'slow-external-call',
  target: 'web-1',
  hosts: [
    {
      host: 'web-1',
      reportId: 'rep-1',
      reportAt: Date.UTC(2026, 10, 21, 0, 0, 0),
      workers: [
        {
          pid: 4102,
          startedAt: 1,
          pool: 'www',
          masterPid: 1,
          conn: 'unix:123',
          request: 'GET /api.php',
          durationSec: 41.6,
        },
      ],
    },
  ],
  source: 'slack',
  requestedBy: 'U0ALICE001',
  channelId: 'C0OPSINC01',
  threadTs: '1.1',
  requestedAt: Date.UTC(2026, 10, 21, 0, 1, 0),
  expiresAt: Date.UTC(2026, 10, 21, 0, 15, 0),
  state: 'pending',
};
const text = (m: { blocks: unknown; text: string }) => JSON.stringify(m.blocks) + m.text;

describe('approval message', () => {
  it('a pending request names the workers, the expiry, and carries Approve and Reject with the request id only', () => {
    const m = approvalMessage(base);
    expect(text(m)).toContain('asks to *Kill stuck workers* on *web-1*');
    expect(text(m)).toContain('worker 4102 (pool www, GET /api.php, 42 s)');
    expect(text(m)).toContain('expires at <!date^1795220100^{time}|2026-11-21T00:15:00.000Z>');
    const buttons = (
      m.blocks.find((b) => b.type === 'actions') as { elements: { action_id: string; value: string }[] }
    ).elements;
    expect(buttons.map((b) => b.action_id)).toEqual(['fpm-approve', 'fpm-reject']);
    expect(buttons.map((b) => parseRequestValue(b.value))).toEqual([
      { requestId: base.id },
      { requestId: base.id },
    ]);
  });

  it('a finished request shows who approved it, the outcome with its numbers and each step, and no buttons', () => {
    const done: ActionRequest = {
      ...base,
      action: 'fpm-reload',
      state: 'done',
      approvedBy: 'U0BOB00001',
      approvedAt: base.requestedAt + 60_000,
      reason: 'config test passed; 3 old workers gone, 2 new up; health 200 in 9 ms',
      results: [
        {
          host: 'web-1',
          outcome: 'done',
          summary: 'x',
          steps: [{ name: 'config-test', ok: true, summary: 'configuration file test is successful' }],
        },
      ],
    };
    const m = approvalMessage(done);
    expect(text(m)).toContain('*Done* · approved by <@U0BOB00001>');
    expect(text(m)).toContain('health 200 in 9 ms');
    expect(text(m)).toContain('config-test: configuration file test is successful');
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(statusLine(done)).toBe(
      'Reload PHP-FPM on web-1 — done, approved by <@U0BOB00001>: config test passed; 3 old workers gone, 2 new up; health 200 in 9 ms',
    );
  });

  it('a run with nothing to check says so, with the fix, and never "Done" alone', () => {
    const reason =
      'config test passed; reloaded with SIGUSR2; 2 old workers gone, 2 new up; not verified: nothing to check ' +
      '(pool www: no ping.path or pm.status_path to ask; no web.healthUrl for web-1 in the inventory); to verify, ' +
      'set ping.path (e.g. ping.path = /ping) or pm.status_path in pool www, or web.healthUrl for web-1 in the inventory';
    const r: ActionRequest = {
      ...base,
      action: 'fpm-reload',
      state: 'unverified',
      approvedBy: 'U0BOB00001',
      reason,
      results: [{ host: 'web-1', outcome: 'unverified', summary: reason }],
    };
    const t = text(approvalMessage(r));
    expect(t).toContain(
      ':grey_question: *Done, not verified* · approved by <@U0BOB00001> (nothing to check)',
    );
    expect(t).toContain('set ping.path (e.g. ping.path = /ping) or pm.status_path in pool www');
    expect(statusLine(r)).toMatch(
      /^Reload PHP-FPM on web-1 — done, not verified, approved by <@U0BOB00001>: /,
    );
  });

  it('tells a late clicker what already happened', () => {
    expect(alreadyMessage({ ...base, state: 'running', approvedBy: 'U0BOB00001' }).text).toBe(
      ':gear: Already approved by <@U0BOB00001> and running: the thread will show the result.',
    );
    expect(alreadyMessage({ ...base, state: 'refused', reason: 'cooldown: …' }).text).toContain(
      'Already handled: Kill stuck workers on web-1 — refused: cooldown',
    );
  });

  it('refuses button values that are not request ids', () => {
    expect(parseRequestValue('{"requestId":"rq-1; rm -rf /"}')).toBeNull();
    expect(parseRequestValue('not json')).toBeNull();
  });
});

describe('confirm dialog', () => {
  const finding = { runbook: 'pool-exhausted', workers: [{ pid: 7 }, { pid: 9 }] } as never;
  const report = (pct?: number) =>
    ({ host: 'web-1', ...(pct === undefined ? {} : { processControlTimeoutSec: pct }) }) as never;

  it('says whether a reload is graceful on this host', () => {
    expect(confirmText('fpm-reload', finding, report(0))).toContain(
      'process_control_timeout is 0 here: in-flight requests are cut (502)',
    );
    expect(confirmText('fpm-reload', finding, report(10))).toContain('Graceful here: workers get up to 10s');
    expect(confirmText('fpm-reload', finding, report())).toContain('could not be read');
  });

  it('names the workers a kill would touch', () => {
    expect(confirmText('kill-stuck-workers', finding, report())).toContain(
      'Kills only workers 7, 9, each only if',
    );
  });
});

describe('/fpm history', () => {
  it('shows the audit log, newest first, with an unfinished step marked', () => {
    const rec = (id: string, phase: string, what: string, time: string, outcome?: string) => ({
      id,
      phase,
      what,
      time,
      kind: 'action',
      who: { userId: 'U0BOB00001', source: 'slack' },
      ...(outcome ? { outcome } : {}),
    });
    const m = historyMessage(
      'web-1',
      [],
      [
        {
          started: rec('a', 'started', 'fpm-reload', '2026-11-21T00:00:00Z') as never,
          closed: rec('a', 'completed', 'fpm-reload', '2026-11-21T00:00:02Z', 'done: reloaded') as never,
        },
        { started: rec('b', 'started', 'fpm-reload reload', '2026-11-21T00:05:00Z') as never },
      ],
    );
    const t = text(m);
    expect(t.indexOf('fpm-reload reload')).toBeLessThan(t.indexOf('done: reloaded'));
    expect(t).toContain('(no completion recorded)');
  });
});

describe('group report buttons', () => {
  const report = (host: string, actions: string[], rootCause = true) =>
    ({
      host,
      verdict: 'critical',
      durationMs: 1,
      collectedAt: '2026-11-21T00:00:00Z',
      windowMinutes: 15,
      windowSeconds: 900,
      findings: [
        {
          runbook: 'worker-oom-killed',
          severity: 'critical',
          rootCause,
          symptoms: [],
          explainedBy: [],
          title: 't',
          summary: 's',
          evidence: [],
          actions,
          fix: 'f',
          confidence: 1,
          missingProbes: [],
        },
      ],
      probes: [],
      failures: [],
    }) as never;

  it('offers an action once for every host whose root cause offers it, when two or more do', async () => {
    const { groupMessage } = await import('../../../src/slack/blocks/group.js');
    const { parseGroupActionValue } = await import('../../../src/slack/blocks/action-value.js');
    const m = groupMessage(
      [
        report('web-1', ['fpm-reload']),
        report('web-2', ['fpm-reload']),
        report('web-3', ['kill-stuck-workers']),
      ],
      {
        target: 'web',
        reportIds: new Map([
          ['web-1', 'r1'],
          ['web-2', 'r2'],
          ['web-3', 'r3'],
        ]),
        enabledActions: ['fpm-reload'],
      },
    );
    const buttons = (
      m.blocks.find((b) => b.type === 'actions') as {
        elements: { action_id: string; value: string; text: { text: string } }[];
      }
    ).elements;
    expect(buttons.map((b) => [b.action_id, b.text.text])).toEqual([
      ['fpm-group-action:fpm-reload', 'Reload PHP-FPM on 2 hosts'],
    ]);
    expect(parseGroupActionValue(buttons[0]!.value)).toEqual({
      target: 'web',
      action: 'fpm-reload',
      reportIds: ['r1', 'r2'],
    });
    expect(parseGroupActionValue('{"target":"web;rm","action":"fpm-reload","reportIds":["r1"]}')).toBeNull();
  });

  it('has no buttons without report ids', async () => {
    const { groupMessage } = await import('../../../src/slack/blocks/group.js');
    const m = groupMessage([report('web-1', ['fpm-reload']), report('web-2', ['fpm-reload'])], {
      target: 'web',
    });
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});
