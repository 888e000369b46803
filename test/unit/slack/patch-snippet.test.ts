/**
 * A patch too long for the report's code block: the report says where the rest is, and the whole
 * patch follows it in its thread as a diff file (files.uploadV2 against the fake Slack), whatever
 * way the report reached the asker.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditLog } from '../../../src/audit/index.js';
import type { ConfigPatch } from '../../../src/fixes/index.js';
import { Metrics } from '../../../src/http/metrics.js';
import type { ReplyTarget } from '../../../src/queue/index.js';
import type { HostReport } from '../../../src/report/host-report.js';
import { answerAskers, type DiagnosisJobDeps } from '../../../src/service/diagnosis-jobs.js';
import { patchSnippet, reportMessage } from '../../../src/slack/blocks/report.js';
import { ChannelWebClient } from '../../../src/slack/channel-client.js';
import type { ReportStore } from '../../../src/store/report-store.js';
import { logger } from '../../../src/util/logger.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';
import { INVENTORY } from '../alerts/helpers.js';
import { busyHost, busyReport, WWW } from '../fixes/helpers.js';
import { allText, assertWithinSlackLimits } from './helpers.js';

/** The busy host's www.conf patch, as if twelve pool files each needed it: far over one block. */
function longReport(): HostReport {
  const short = busyReport();
  const one = short.patch!.files[0]!;
  const files = Array.from({ length: 12 }, (_, i) => {
    const path = `/etc/php/8.2/fpm/pool.d/site-${i + 1}.conf`;
    return { ...one, path, diff: one.diff.replaceAll(WWW, path) };
  });
  const patch: ConfigPatch = {
    files,
    changes: files.flatMap((f) => short.patch!.changes.map((c) => ({ ...c, file: f.path }))),
  };
  return { ...short, patch, findings: short.findings.map((f) => ({ ...f, patch })) };
}

/** What `fpm-medic diagnose --patch` prints for a report. */
const cliPatch = (r: HostReport) => r.patch!.files.map((f) => f.diff).join('');

describe('the report message and its patch file', () => {
  it('a patch that fits is shown whole in the message, and no file is made', () => {
    const report = busyReport();
    const text = allText(reportMessage(report, { reportId: 'r1' }));
    expect(text).toContain('+pm.max_spare_servers = 6');
    expect(text).not.toContain('is cut here');
    expect(patchSnippet(report)).toBeUndefined();
  });

  it('a long patch is cut in the message, which names the file in the thread; the file is the whole patch', () => {
    const report = longReport();
    const m = reportMessage(report, { reportId: 'r1' });
    assertWithinSlackLimits(m);
    expect(allText(m)).toContain('is cut here: the whole patch is in this thread as `fpm-medic-web-1.patch`');
    expect(allText(m)).toMatch(/…\d+ more lines/);
    expect(patchSnippet(report)).toMatchObject({
      filename: 'fpm-medic-web-1.patch',
      title: 'Config fix for web-1 (48 changes in 12 files)',
      content: cliPatch(report),
    });
  });
});

describe('posting the patch file after the report', () => {
  let slack: FakeSlack;
  let warnings: string[];
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    slack.calls.length = 0;
    warnings = [];
  });

  function deps(): DiagnosisJobDeps {
    const quiet = logger.child({}, { level: 'silent' });
    quiet.warn = ((_obj: unknown, msg: string) => void warnings.push(msg)) as typeof quiet.warn;
    return {
      inventory: INVENTORY,
      runbooks: [],
      store: {} as ReportStore,
      metrics: new Metrics({ defaultMetrics: false }),
      logger: quiet,
      // The client serve and worker use, so the upload goes through its lanes as in production.
      slack: new ChannelWebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }),
      audit: {} as AuditLog,
      approvalsEnabled: false,
    };
  }
  const single = (report: HostReport) => ({
    target: report.host,
    group: false,
    reports: [{ id: 'r1', report, facts: busyHost() }],
  });
  const channel = 'C0PROD0001';

  it('a new report message: the file goes in its thread, as a diff snippet of the whole patch', async () => {
    const report = longReport();
    await answerAskers(deps())({ ok: true, result: single(report) }, [{ channelId: channel, userId: 'U1' }]);
    const posted = slack.delivered('chat.postMessage')[0]!;
    expect(slack.files()).toEqual([
      {
        id: expect.any(String),
        filename: 'fpm-medic-web-1.patch',
        title: 'Config fix for web-1 (48 changes in 12 files)',
        snippetType: 'diff',
        content: cliPatch(report),
        channel,
        threadTs: posted.result!.ts,
        initialComment: expect.stringContaining('patch -d / -p0'),
      },
    ]);
  });

  it('an updated "diagnosis started" message or an alert thread: the file goes in that thread', async () => {
    const updated: ReplyTarget = { channelId: channel, userId: 'U1', messageTs: '1700.0005' };
    const thread: ReplyTarget = { channelId: 'C0PROD0002', userId: '', threadTs: '1700.0009' };
    await answerAskers(deps())({ ok: true, result: single(longReport()) }, [updated, thread]);
    expect(slack.files().map((f) => [f.channel, f.threadTs])).toEqual([
      [channel, '1700.0005'],
      ['C0PROD0002', '1700.0009'],
    ]);
  });

  it('no file for a patch that fits, a group report, or /fpm status', async () => {
    const group = { ...single(longReport()), group: true };
    const status: ReplyTarget = { channelId: channel, userId: 'U1', view: 'status' };
    await answerAskers(deps())({ ok: true, result: single(busyReport()) }, [
      { channelId: channel, userId: 'U1' },
    ]);
    await answerAskers(deps())({ ok: true, result: group }, [{ channelId: channel, userId: 'U1' }]);
    await answerAskers(deps())({ ok: true, result: single(longReport()) }, [status]);
    expect(slack.delivered('chat.postMessage')).toHaveLength(3);
    expect(slack.callsOf('files.getUploadURLExternal')).toEqual([]);
  });

  it('an upload Slack refuses leaves the report delivered and is logged; the next asker still gets theirs', async () => {
    slack.failNext('files.getUploadURLExternal', 'missing_scope');
    const first: ReplyTarget = { channelId: channel, userId: 'U1' };
    const second: ReplyTarget = { channelId: 'C0PROD0002', userId: 'U2' };
    await answerAskers(deps())({ ok: true, result: single(longReport()) }, [first, second]);
    expect(slack.delivered('chat.postMessage').map((c) => c.args.channel)).toEqual([channel, 'C0PROD0002']);
    expect(warnings).toEqual(['could not attach the patch to a report']);
    expect(slack.files().map((f) => f.channel)).toEqual(['C0PROD0002']);
  });
});
