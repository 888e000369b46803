/**
 * The queue's share of the Slack ack: enqueueDiagnosis latency with a backlog of 1,000 waiting
 * jobs and no worker draining it, the state in which a busy bot must still ack well under 100 ms.
 * Runs on its own key prefix and deletes it afterwards.
 *   tsx bench/queue-ack.ts            (REDIS_URL, default redis://127.0.0.1:6379)
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createQueues, type DiagnosisRequest } from '../src/queue/index.js';

export interface QueueAckResult {
  /** Jobs waiting when sampling began. */
  queued: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function benchQueueAck(
  opts: { redisUrl?: string; backlog?: number; samples?: number } = {},
): Promise<QueueAckResult> {
  const url = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const backlog = opts.backlog ?? 1_000;
  const samples = opts.samples ?? 200;
  const prefix = `{fpm-medic-bench-${randomBytes(4).toString('hex')}}`;
  const queues = createQueues({ connection: url, prefix });
  let n = 0;
  // Distinct targets: each call is a real new job, the slower path (dedup only reads a key).
  const request = (): DiagnosisRequest => {
    const i = n++;
    return {
      target: `host-${i}`,
      windowSec: 900,
      requestedBy: { userId: `U${i}`, channelId: 'CBENCH' },
      reply: { channelId: 'CBENCH', userId: `U${i}`, responseUrl: 'https://hooks.slack.com/commands/T0/1/x' },
    };
  };
  try {
    await queues.ready();
    for (let i = 0; i < backlog; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, backlog - i) }, () => queues.enqueueDiagnosis(request())),
      );
    }
    // Warm-up off the record: first-call costs (script load, JIT) are not the steady state.
    for (let i = 0; i < 20; i++) await queues.enqueueDiagnosis(request());
    const queued = await queues.queue.getWaitingCount();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const r = request();
      const t = performance.now();
      await queues.enqueueDiagnosis(r);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return {
      queued,
      samples,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      maxMs: times[times.length - 1]!,
    };
  } finally {
    await queues.close();
    await deletePrefix(url, prefix);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchQueueAck();
  console.log(
    `enqueueDiagnosis with ${r.queued} jobs queued: p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs.toFixed(2)} ms (${r.samples} calls)`,
  );
}
