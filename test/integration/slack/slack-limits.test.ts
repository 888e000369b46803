import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/http/metrics.js';
import type { ReplyTarget } from '../../../src/queue/index.js';
import { answerAskers, type DiagnosisJobDeps } from '../../../src/service/diagnosis-jobs.js';
import { ChannelWebClient } from '../../../src/slack/channel-client.js';
import { postToResponseUrl } from '../../../src/slack/response-url.js';
import { logger } from '../../../src/util/logger.js';
import { type FakeSlack, startFakeSlack } from '../../support/fake-slack.js';

/**
 * Slack as it behaves under load and failure, against the local fake's real HTTP: 429 with
 * Retry-After, 5xx, hangs, a per-channel posting rate, channels the bot cannot post in.
 */
describe('Slack limits and failures', () => {
  let slack: FakeSlack;
  const failures: string[] = [];
  let client: ChannelWebClient;
  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new ChannelWebClient('xoxb-test-token', {
      slackApiUrl: slack.url,
      // Quick back-off so the test runs in seconds; a 429's Retry-After is waited out all the same.
      retryConfig: { retries: 3, factor: 2, minTimeout: 100, maxTimeout: 400 },
      timeoutMs: 1_000,
      onFailure: (method, error) => failures.push(`${method}:${error}`),
    });
  });
  afterAll(() => slack?.close());

  const text = (c: { args: Record<string, unknown> }) => String(c.args.text);

  it('429 on one channel: its message arrives once after Retry-After; other channels are not held', async () => {
    slack.httpFailNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const started = Date.now();
    const limited = client.chat
      .postMessage({ channel: 'C0LIMITED1', text: 'limited-1' })
      .then(() => Date.now());
    // Sent after the limited one has had its 429.
    await new Promise((r) => setTimeout(r, 100));
    const other = await client.chat.postMessage({ channel: 'C0OTHER001', text: 'other-1' });
    expect(other.ok).toBe(true);
    const otherAt = Date.now();
    const limitedAt = await limited;
    expect(otherAt - started).toBeLessThan(900);
    expect(limitedAt - started).toBeGreaterThanOrEqual(1_000);
    expect(slack.delivered('chat.postMessage').filter((c) => text(c) === 'limited-1')).toHaveLength(1);
  });

  it('updates to one channel under a 429 arrive once each, in order', async () => {
    slack.httpFailNext('chat.update', { status: 429, retryAfterSec: 1 });
    await Promise.all(
      ['u1', 'u2', 'u3'].map((t) => client.chat.update({ channel: 'C0ORDER001', ts: '1.1', text: t })),
    );
    const seen = slack
      .delivered('chat.update')
      .filter((c) => c.args.channel === 'C0ORDER001')
      .map(text);
    expect(seen).toEqual(['u1', 'u2', 'u3']);
  });

  it('5xx and a hang are retried with back-off; delivered once', async () => {
    slack.httpFailNext('chat.postMessage', { status: 503 }, 2);
    await client.chat.postMessage({ channel: 'C0FLAKY001', text: 'flaky-1' });
    slack.httpFailNext('chat.postMessage', { hangMs: 1_500 });
    await client.chat.postMessage({ channel: 'C0FLAKY001', text: 'slow-1' });
    for (const t of ['flaky-1', 'slow-1'])
      expect(
        slack.delivered('chat.postMessage').filter((c) => text(c) === t),
        t,
      ).toHaveLength(1);
    expect(failures).toEqual([]);
  });

  it('Slack down for good: given up on after the retries, counted, and the caller told', async () => {
    const metrics = new Metrics();
    const counted = new ChannelWebClient('xoxb-test-token', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 200 },
      onFailure: (method, error) => metrics.slackFailures.inc({ method, error }),
    });
    slack.httpFailNext('chat.postMessage', { status: 500 }, 10);
    const started = Date.now();
    await expect(counted.chat.postMessage({ channel: 'C0DOWN0001', text: 'down-1' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await metrics.registry.getSingleMetricAsString('fpm_medic_slack_failures_total')).toMatch(
      /method="chat.postMessage",error="http_500"} 1/,
    );
    slack.httpFailNext('chat.postMessage', { status: 500 }, 0);
  });

  it('a report for a channel the bot is not in: the asker is told through response_url to invite it', async () => {
    slack.failNext('chat.update', 'not_in_channel');
    const reply: ReplyTarget = {
      channelId: 'C0NOTIN001',
      userId: 'U0ALICE001',
      messageTs: '1700000001.000100',
      responseUrl: slack.responseUrl('not-in'),
    };
    const deps = {
      slack: client,
      metrics: new Metrics(),
      logger,
      approvalsEnabled: false,
    } as unknown as DiagnosisJobDeps;
    await answerAskers(deps)({ ok: false, error: new Error('ssh: connection refused') }, [reply]);
    const told = await slack.waitFor('response/not-in');
    expect(told.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(told.args)).toContain('/invite @fpm-medic');
  });

  it('response_url under a 429 still delivers, once; a URL that is not Slack is never called', async () => {
    slack.httpFailNext('response/limited', { status: 429, retryAfterSec: 1 });
    const message = { text: 'hello', blocks: [] };
    expect(await postToResponseUrl(slack.responseUrl('limited'), message, { apiUrl: slack.url })).toBe(true);
    expect(slack.delivered('response/limited')).toHaveLength(1);
    expect(await postToResponseUrl('http://127.0.0.2:1/hook', message, { apiUrl: slack.url })).toBe(false);
  });

  it('an alert storm into one channel keeps its posting rate and drops nothing', async () => {
    slack.channelRateMs = 1_000;
    try {
      const storm = new ChannelWebClient('xoxb-test-token', {
        slackApiUrl: slack.url,
        pacing: { burst: 1, intervalMs: 1_000 },
      });
      const texts = Array.from({ length: 5 }, (_, i) => `storm-${i}`);
      await Promise.all(texts.map((t) => storm.chat.postMessage({ channel: 'C0STORM001', text: t })));
      const got = slack.delivered('chat.postMessage').filter((c) => c.args.channel === 'C0STORM001');
      expect(got.map(text)).toEqual(texts);
    } finally {
      slack.channelRateMs = undefined;
    }
  });
});
