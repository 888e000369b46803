import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DiagnosisRequest, FinishedJob, JobOutcome, ReplyTarget } from '../../../src/queue/index.js';
import { freePort } from '../../lab/ports.js';
import { waitFor } from '../../lab/wait.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other test (or run) shares, so a test sees only its own jobs. */
export function freshPrefix(): string {
  return `{fpm-medic-test-${randomBytes(5).toString('hex')}}`;
}

/** Obliterates the queue, then deletes whatever else lives under the prefix (reply lists). */
export async function cleanupPrefix(url: string, prefix: string, queueName = 'diagnose'): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const queue = new Queue(queueName, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
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

export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await redis.keys(`${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

let asks = 0;
export function ask(target: string, over: Partial<DiagnosisRequest> = {}): DiagnosisRequest {
  const n = ++asks;
  return {
    target,
    windowSec: 900,
    requestedBy: { userId: `U${n}`, channelId: 'C1' },
    reply: { channelId: 'C1', userId: `U${n}`, messageTs: `${n}.000` },
    ...over,
  };
}

export interface DoneCall<R> {
  outcome: JobOutcome<R>;
  replies: ReplyTarget[];
  job: FinishedJob;
}

/** Collects onDone calls; tests wait on what has arrived, never on time. */
export class DoneLog<R> {
  readonly calls: DoneCall<R>[] = [];
  readonly onDone = async (outcome: JobOutcome<R>, replies: ReplyTarget[], job: FinishedJob) => {
    this.calls.push({ outcome, replies, job });
  };
  replies(): ReplyTarget[] {
    return this.calls.flatMap((c) => c.replies);
  }
  until(what: string, cond: (calls: DoneCall<R>[]) => boolean, timeoutMs = 20_000): Promise<DoneCall<R>[]> {
    return waitFor(what, () => cond(this.calls) && this.calls, { timeoutMs, intervalMs: 20 });
  }
}

export interface Gate {
  promise: Promise<void>;
  open(): void;
}
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** A redis-server of the test's own, so it can be stopped and started again on the same data. */
export class OwnRedis {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'fpm-medic-redis-'));
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // appendfsync always: the test stops Redis right after a write and needs it on disk.
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes'];
    args.push('--appendfsync', 'always', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'warning');
    // Redis would outlive a test process that dies or never calls destroy(). The shell holds a pipe
    // from us and stops Redis when it closes, which the kernel does however we exit; stdin goes
    // through fd 3 because a background job's stdin is /dev/null.
    const script =
      'exec 3<&0; redis-server "$@" </dev/null & r=$!; (read -r _ <&3; kill $r 2>/dev/null) & wait $r';
    const child = spawn('sh', ['-c', script, 'sh', ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.child = child;
    await waitFor(`redis-server on ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}`);
      const c = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      c.on('error', () => {});
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } finally {
        c.disconnect();
      }
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end();
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
