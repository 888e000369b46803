/**
 * Issue 13: an action is one registry entry. A made-up action ("drain-pool", targeting named
 * workers) is added to the contract list and the registry at runtime and to nothing else; the
 * Slack report, the group report, the approval message, the approval flow and the execution
 * then treat it exactly as the entry says, with no other code knowing its id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLog } from '../../../src/audit/index.js';
import type { Policy } from '../../../src/policy/access-policy.js';
import { ACTIONS, type ActionSpec, actionParams } from '../../../src/remediation/actions.js';
import { Approvals } from '../../../src/remediation/approvals.js';
import { runProcedure } from '../../../src/remediation/procedures/index.js';
import type { ActionRequest } from '../../../src/remediation/request.js';
import type { ProcedureContext, StepName, StepOutcome } from '../../../src/remediation/types.js';
import type { HostReport, ReportFinding } from '../../../src/report/host-report.js';
import type { StuckWorker } from '../../../src/report/named-workers.js';
import { ACTION_IDS, type ActionId } from '../../../src/runbooks/ids.js';
import { parseActionValue } from '../../../src/slack/blocks/action-value.js';
import { approvalMessage } from '../../../src/slack/blocks/approval.js';
import { groupMessage } from '../../../src/slack/blocks/group.js';
import { reportMessage } from '../../../src/slack/blocks/report.js';
import type { Transport } from '../../../src/transport/transport.js';
import { allText, inventory } from '../slack/helpers.js';

const ID = 'drain-pool' as ActionId;
const ran: { script: string; workers: number[]; steps: StepName[] }[] = [];

const DRAIN: ActionSpec = {
  id: ID,
  script: 'drain-pool.sh',
  label: 'Drain the pool',
  danger: true,
  targets: 'workers',
  confirm: (f) => `Drains ${f.workers?.length ?? 0} named workers, one by one.`,
  procedure: async (run, params) => {
    const steps: StepName[] = [];
    await run.step('kill', async () => {
      steps.push('kill');
      return { ok: true, summary: `${params.workers?.length ?? 0} drained` };
    });
    ran.push({ script: run.script, workers: (params.workers ?? []).map((w) => w.pid), steps });
    return run.finish('done', `${params.workers?.length ?? 0} workers drained`);
  },
};

const registry = ACTIONS as unknown as Record<string, ActionSpec>;
const ids = ACTION_IDS as unknown as string[];
beforeAll(() => {
  ids.push(ID);
  registry[ID] = DRAIN;
});
afterAll(() => {
  ids.splice(ids.indexOf(ID), 1);
  delete registry[ID];
});

const worker: StuckWorker = {
  pid: 4242,
  startedAt: 1_700_000_000,
  pool: 'www',
  masterPid: 100,
  conn: 'unix:9001',
  request: 'GET /slow.php',
  durationSec: 75,
};

function finding(workers?: StuckWorker[]): ReportFinding {
  return {
    runbook: 'my-drain',
    severity: 'critical',
    rootCause: true,
    symptoms: [],
    explainedBy: [],
    title: 'Workers to drain',
    summary: 'Some workers should be drained',
    evidence: [],
    actions: [ID],
    fix: 'Drain them',
    confidence: 1,
    missingProbes: [],
    ...(workers ? { workers } : {}),
  };
}

function report(host: string, workers?: StuckWorker[]): HostReport {
  return {
    host,
    verdict: 'critical',
    durationMs: 10,
    collectedAt: new Date().toISOString(),
    windowMinutes: 15,
    windowSeconds: 900,
    findings: [finding(workers)],
    probes: [],
    failures: [],
  };
}

function buttons(message: { blocks: unknown[] }) {
  return JSON.parse(JSON.stringify(message.blocks))
    .filter((b: { type: string }) => b.type === 'actions')
    .flatMap((b: { elements: unknown[] }) => b.elements) as {
    text: { text: string };
    style?: string;
    value: string;
    confirm?: { text: { text: string }; style?: string };
  }[];
}

describe('a registry entry is all an action needs', () => {
  it('the host report offers it as the entry says: label, danger, confirm text, a value that decodes', () => {
    const [b] = buttons(reportMessage(report('web-1', [worker]), { reportId: 'r1', enabledActions: [ID] }));
    expect(b?.text.text).toBe('Drain the pool');
    expect(b?.style).toBe('danger');
    expect(b?.confirm?.style).toBe('danger');
    expect(b?.confirm?.text.text).toContain('Drains 1 named workers, one by one.');
    expect(parseActionValue(b!.value)).toMatchObject({ action: ID, host: 'web-1', runbook: 'my-drain' });
  });

  it('the group report offers it on several hosts under its label', () => {
    const m = groupMessage([report('web-1', [worker]), report('web-2', [worker])], {
      target: 'web',
      reportIds: new Map([
        ['web-1', 'r1'],
        ['web-2', 'r2'],
      ]),
    });
    const b = buttons(m).find((x) => x.text.text.startsWith('Drain the pool'));
    expect(b?.text.text).toBe('Drain the pool on 2 hosts');
    expect(b?.style).toBe('danger');
  });

  it('the approval message names it and, since it targets workers, lists them', () => {
    const request: ActionRequest = {
      id: 'req-1',
      action: ID,
      runbook: 'my-drain',
      target: 'web-1',
      hosts: [{ host: 'web-1', reportId: 'r1', reportAt: Date.now(), workers: [worker] }],
      source: 'slack',
      requestedBy: 'U1',
      channelId: 'C1',
      requestedAt: Date.now(),
      expiresAt: Date.now() + 60_000,
      state: 'pending',
    };
    const text = allText(approvalMessage(request));
    expect(text).toContain('*Drain the pool* on *web-1*');
    expect(text).toContain('worker 4242 (pool www, GET /slow.php, 75 s)');
  });

  it('the approval flow refuses a request for named workers that names none, before anyone approves', async () => {
    const refusals: string[] = [];
    const approvals = new Approvals({
      inventory,
      policy: {
        approvalSettings: () => ({ approvalTtlMinutes: 15 }),
      } as unknown as Policy,
      audit: {
        refused: async (_e: unknown, reason: string) => {
          refusals.push(reason);
        },
      } as unknown as AuditLog,
      membership: {} as never,
      requests: {} as never,
      guards: {} as never,
      enqueue: async () => {},
    });
    const out = await approvals.ask({
      actor: { userId: 'U1', channelId: 'C1' } as never,
      source: 'slack',
      action: ID,
      runbook: 'my-drain',
      target: 'web-1',
      hosts: [{ host: 'web-1', reportId: 'r1', reportAt: Date.now() }],
    });
    expect(out).toEqual({
      kind: 'refused',
      reason: expect.stringContaining('names no stuck worker'),
    });
    expect(refusals).toHaveLength(1);
  });

  it('execution hands its procedure the named workers and its own script, inside audited steps', async () => {
    const audited: string[] = [];
    const ctx: ProcedureContext = {
      transport: { host: 'web-1', runScript: async () => assert.fail(), close: async () => {} } as Transport,
      host: inventory.hosts.get('web-1')!,
      step: async <T extends StepOutcome>(name: StepName, run: () => Promise<T>): Promise<T> => {
        audited.push(`${name}:start`);
        const out = await run();
        audited.push(`${name}:end`);
        return out;
      },
    };
    const params = actionParams(ID, { workers: [worker] });
    expect(params).toEqual({ action: ID, workers: [worker] });
    const r = await runProcedure(params, ctx);
    expect(r).toMatchObject({ action: ID, host: 'web-1', outcome: 'done', summary: '1 workers drained' });
    expect(ran).toEqual([{ script: 'drain-pool.sh', workers: [4242], steps: ['kill'] }]);
    expect(audited).toEqual(['kill:start', 'kill:end']);
  });

  it('a host action is given no workers even when the report named some', () => {
    expect(actionParams('fpm-reload', { workers: [worker] })).toEqual({ action: 'fpm-reload' });
  });
});

const assert = {
  fail(): never {
    throw new Error('the made-up action has no script on any host: nothing may run it');
  },
};
