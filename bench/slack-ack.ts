/**
 * Slash-command ack latency as Slack sees it: signed POSTs of `/fpm diagnose` to the real Bolt app
 * (`fpm-medic serve`, no worker), with 1,000 diagnosis jobs already waiting in Redis. The ack
 * must come before Redis, SSH or the Slack Web API are touched; this measures that it does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createQueues } from '../src/queue/index.js';
import { runService } from '../src/service/run-service.js';
import { freePort } from '../test/lab/ports.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { signedHeaders, slashCommandBody } from '../test/support/slack-request.js';

export interface AckResult {
  queued: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

const SECRET = 'bench-signing-secret-0123456789';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchSlackAck(
  opts: { redisUrl?: string; backlog?: number; samples?: number } = {},
): Promise<AckResult> {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const backlog = opts.backlog ?? 1000;
  const samples = opts.samples ?? 200;
  const prefix = `{fpm-medic-bench-${randomBytes(4).toString('hex')}}`;
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-ack-'));
  const slack = await startFakeSlack();
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(inventory, 'hosts:\n  web-1:\n    address: local\n');
  const port = await freePort();
  const service = await runService(
    { slack: true, worker: false },
    {
      PORT: String(port),
      REDIS_URL: redisUrl,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      FPM_MEDIC_INVENTORY: inventory,
      FPM_MEDIC_QUEUE_PREFIX: prefix,
      // The bench's commands are not the user's: keep them out of their audit log.
      FPM_MEDIC_AUDIT_LOG: join(dir, 'audit.jsonl'),
      FPM_MEDIC_LOG_LEVEL: 'error',
    },
  );
  const queues = createQueues({ connection: redisUrl, prefix });
  try {
    await queues.ready();
    const requester = { userId: 'U0BENCH001', channelId: 'C0BENCH001' };
    for (let i = 0; i < backlog; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, backlog - i) }, (_, j) =>
          queues.enqueueDiagnosis({
            target: `backlog-${i + j}`,
            windowSec: 900,
            requestedBy: requester,
            reply: { ...requester },
          }),
        ),
      );
    }
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const body = slashCommandBody({
        text: 'diagnose web-1',
        userId: `U0BENCH${String(i).padStart(3, '0')}`,
        channelId: 'C0BENCH001',
      });
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: signedHeaders(body, SECRET),
        body,
      });
      await res.arrayBuffer();
      times.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`ack answered ${res.status}`);
    }
    times.sort((a, b) => a - b);
    return { queued: backlog, samples, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    await service.stop();
    await queues.queue.obliterate({ force: true }).catch(() => {});
    await queues.close();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
