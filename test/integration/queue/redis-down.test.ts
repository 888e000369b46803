import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createQueues,
  type DiagnosisQueues,
  type DiagnosisWorker,
  type Enqueued,
  QueueUnavailableError,
  startDiagnosisWorker,
} from '../../../src/queue/index.js';
import { waitFor } from '../../lab/wait.js';
import { ask, DoneLog, freshPrefix, OwnRedis } from './helpers.js';

// One story in steps, on a Redis of its own that the test stops and starts again on the same
// append-only file: the steps share state and run in order.
describe('queue: Redis down at command time', () => {
  const prefix = freshPrefix();
  const done = new DoneLog<string>();
  let redis: OwnRedis;
  let queues: DiagnosisQueues;
  let worker: DiagnosisWorker;
  const accepted = ask('web1');
  const refused: string[] = [];
  let acceptedJob: Enqueued;
  const refusedAsk = () => {
    const r = ask('web2');
    refused.push(r.reply.userId);
    return r;
  };

  beforeAll(async () => {
    redis = await OwnRedis.start();
    queues = createQueues({ connection: redis.url, prefix });
    await queues.ready();
    worker = startDiagnosisWorker({
      connection: redis.url,
      prefix,
      process: async (d) => `report of ${d.target}`,
      onDone: done.onDone,
    });
    // Paused so the job accepted before the outage is still waiting when Redis goes away.
    await queues.queue.pause();
  });

  afterAll(async () => {
    await worker?.close({ graceMs: 1_000 });
    await queues?.close();
    // The whole server and its data directory go: nothing is left behind.
    await redis?.destroy();
  });

  it('accepts a command while Redis is up', async () => {
    acceptedJob = await queues.enqueueDiagnosis(accepted);
    expect(await queues.queue.getJobState(acceptedJob.jobId)).toBe('waiting');
    await redis.stop();
  });

  // The test timeout is the assertion: a hang on ioredis reconnects would take 10 s or more.
  it('refuses at once while Redis is down, with a typed error', { timeout: 3_000 }, async () => {
    // Whether the client has noticed the closed socket yet or not, the command is refused.
    await expect(queues.enqueueDiagnosis(refusedAsk())).rejects.toBeInstanceOf(QueueUnavailableError);
    await waitFor('the producer to report the outage', () => !queues.available);
    await expect(queues.enqueueDiagnosis(refusedAsk())).rejects.toBeInstanceOf(QueueUnavailableError);
    // A producer started during the outage refuses as fast.
    const late = createQueues({ connection: redis.url, prefix });
    try {
      await expect(late.enqueueDiagnosis(refusedAsk())).rejects.toBeInstanceOf(QueueUnavailableError);
    } finally {
      await late.close();
    }
  });

  it('once Redis is back: the producer reconnects, the accepted job survived, the worker runs it', async () => {
    await redis.start();
    const after = ask('web3');
    const afterJob = await waitFor('the producer to accept commands again', async () => {
      try {
        return await queues.enqueueDiagnosis(after);
      } catch (e) {
        if (e instanceof QueueUnavailableError) return undefined;
        throw e;
      }
    });
    expect(await queues.queue.getJobState(acceptedJob.jobId)).toBe('waiting');
    await queues.queue.resume();
    const calls = await done.until('both jobs answered', (c) => c.length === 2);
    const byJob = new Map(calls.map((c) => [c.job.id, c]));
    expect(byJob.get(acceptedJob.jobId)?.replies).toEqual([accepted.reply]);
    expect(byJob.get(afterJob.jobId)?.replies).toEqual([after.reply]);
    expect(calls.every((c) => c.outcome.ok)).toBe(true);
    // The refused command left nothing behind to be run or answered.
    expect(refused).toHaveLength(3);
    expect(done.replies().filter((r) => refused.includes(r.userId))).toEqual([]);
    expect(await queues.queue.getJobCounts('wait', 'active', 'delayed')).toEqual({
      wait: 0,
      active: 0,
      delayed: 0,
    });
  });
});
