import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLog } from '../../../src/audit/index.js';
import type { HostFacts } from '../../../src/facts/types.js';
import { Metrics } from '../../../src/http/metrics.js';
import type { ReplyTarget } from '../../../src/queue/index.js';
import type { HostReport } from '../../../src/report/host-report.js';
import {
  type AlertReportContext,
  answerAskers,
  type DiagnosisJobDeps,
} from '../../../src/service/diagnosis-jobs.js';
import type { ReportStore } from '../../../src/store/report-store.js';
import { logger } from '../../../src/util/logger.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { INVENTORY } from './helpers.js';

function report(host: string): HostReport {
  return {
    host,
    verdict: 'healthy',
    durationMs: 500,
    collectedAt: '2026-11-20T03:00:00.000Z',
    windowMinutes: 15,
    windowSeconds: 900,
    findings: [],
    probes: [{ id: 'runtime', ok: true, ms: 30, bytes: 100 }],
    failures: [],
  } as HostReport;
}

/** answerAskers for an alert thread: the report goes in the thread, then the hook runs per host. */
describe('answering in an alert thread', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(() => slack.close());

  function deps(onAlertReport?: DiagnosisJobDeps['onAlertReport']): DiagnosisJobDeps {
    return {
      inventory: INVENTORY,
      runbooks: [],
      store: {} as ReportStore,
      metrics: new Metrics({ defaultMetrics: false }),
      // The failing hook's error log is expected here.
      logger: logger.child({}, { level: 'silent' }),
      slack: new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }),
      audit: {} as AuditLog,
      approvalsEnabled: false,
      ...(onAlertReport ? { onAlertReport } : {}),
    };
  }

  const result = {
    target: 'web (web-1, web-2)',
    group: true,
    reports: [
      { id: 'r1', report: report('web-1'), facts: {} as HostFacts },
      { id: 'r2', report: report('web-2'), facts: {} as HostFacts },
    ],
  };
  const threadReply: ReplyTarget = {
    channelId: 'C0PROD0001',
    userId: '',
    threadTs: '1700.0001',
    alert: { threadId: 't1' },
  };

  it('posts with thread_ts, names no asker, and calls the hook once per host report', async () => {
    const seen: AlertReportContext[] = [];
    await answerAskers(deps(async (ctx) => void seen.push(ctx)))({ ok: true, result }, [threadReply]);
    const post = await slack.waitFor('chat.postMessage', (a) => a.thread_ts === '1700.0001');
    expect(post.args.channel).toBe('C0PROD0001');
    expect(JSON.stringify(post.args.blocks)).toContain('web (web-1, web-2)');
    expect(JSON.stringify(post.args.blocks)).not.toContain('requested by');
    expect(seen.map((c) => [c.reportId, c.report.host, c.channelId, c.threadTs])).toEqual([
      ['r1', 'web-1', 'C0PROD0001', '1700.0001'],
      ['r2', 'web-2', 'C0PROD0001', '1700.0001'],
    ]);
  });

  it('a failing hook is logged and never stops the other reports, replies or the job', async () => {
    const seen: string[] = [];
    const hook = async (ctx: AlertReportContext) => {
      seen.push(ctx.reportId);
      throw new Error('remediation exploded');
    };
    const slashAsker: ReplyTarget = { channelId: 'C0OPS00001', userId: 'U0ALICE001', messageTs: '1.1' };
    await expect(
      answerAskers(deps(hook))({ ok: true, result }, [{ ...threadReply, threadTs: '1700.0002' }, slashAsker]),
    ).resolves.toBeUndefined();
    expect(seen).toEqual(['r1', 'r2']);
    await slack.waitFor('chat.update', (a) => a.ts === '1.1');
  });

  it('no hook for a failed diagnosis, nor for a reply outside an alert thread', async () => {
    const seen: string[] = [];
    const hook = async (ctx: AlertReportContext) => void seen.push(ctx.reportId);
    await answerAskers(deps(hook))({ ok: false, error: new Error('host unreachable') }, [
      { ...threadReply, threadTs: '1700.0003' },
    ]);
    const post = await slack.waitFor('chat.postMessage', (a) => a.thread_ts === '1700.0003');
    expect(JSON.stringify(post.args.blocks)).toContain('host unreachable');
    await answerAskers(deps(hook))({ ok: true, result }, [{ channelId: 'C0OPS00001', userId: 'U0BOB00001' }]);
    expect(seen).toEqual([]);
  });
});
