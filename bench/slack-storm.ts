/**
 * An alert storm into one channel against a fake Slack that enforces Slack's per-channel posting
 * rate (a chat.postMessage sooner than 1 s after the last one there gets 429, Retry-After 1): how
 * long 50 threads take to post through fpm-medic's Slack client, beside the floor the rate allows,
 * and that every message arrived once, in order.
 */
import { ChannelWebClient } from '../src/slack/channel-client.js';
import { startFakeSlack } from '../test/support/fake-slack.js';

export interface StormResult {
  threads: number;
  ms: number;
  floorMs: number;
  delivered: number;
  inOrder: boolean;
  limited: number;
}

export async function benchSlackStorm(threads = 50): Promise<StormResult> {
  const slack = await startFakeSlack();
  slack.channelRateMs = 1_000;
  try {
    const client = new ChannelWebClient('xoxb-bench-token', { slackApiUrl: slack.url });
    const texts = Array.from({ length: threads }, (_, i) => `alert thread ${i}`);
    const started = performance.now();
    await Promise.all(texts.map((text) => client.chat.postMessage({ channel: 'C0STORM001', text })));
    const ms = performance.now() - started;
    const got = slack.delivered('chat.postMessage').map((c) => String(c.args.text));
    return {
      threads,
      ms,
      floorMs: (threads - 1) * 1_000,
      delivered: new Set(got).size,
      inOrder: got.every((t, i) => t === texts[i]),
      limited: slack.callsOf('chat.postMessage').filter((c) => c.result?.status === 429).length,
    };
  } finally {
    await slack.close();
  }
}
