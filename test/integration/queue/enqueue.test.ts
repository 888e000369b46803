import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createQueues,
  type DiagnoseJob,
  type DiagnosisQueues,
  type DiagnosisWorker,
  InvalidDiagnosisRequestError,
  QueueUnavailableError,
  startDiagnosisWorker,
} from '../../../src/queue/index.js';
import { ask, cleanupPrefix, DoneLog, freshPrefix, keysUnder, REDIS_URL } from './helpers.js';

describe('queue: enqueue, process, answer', () => {
  let prefix: string;
  let queues: DiagnosisQueues | undefined;
  let worker: DiagnosisWorker | undefined;

  afterEach(async () => {
    await worker?.close({ graceMs: 1_000 });
    await queues?.close();
    worker = queues = undefined;
    await cleanupPrefix(REDIS_URL, prefix);
    expect(await keysUnder(REDIS_URL, prefix)).toEqual([]);
  });

  async function setup(process: (d: DiagnoseJob) => Promise<string> = async (d) => `report of ${d.target}`) {
    prefix = freshPrefix();
    const done = new DoneLog<string>();
    queues = createQueues({ connection: REDIS_URL, prefix });
    await queues.ready();
    worker = startDiagnosisWorker({ connection: REDIS_URL, prefix, process, onDone: done.onDone });
    return { queues, done };
  }

  it('runs the job and answers the asker with the result and its reply target', async () => {
    const { queues, done } = await setup();
    const request = ask('web1', { windowSec: 600 });
    const enq = await queues.enqueueDiagnosis(request);
    expect(enq.deduplicated).toBe(false);
    const [call] = await done.until('onDone', (c) => c.length === 1);
    expect(call!.outcome).toEqual({ ok: true, result: 'report of web1' });
    expect(call!.replies).toEqual([request.reply]);
    expect(call!.job.id).toBe(enq.jobId);
    expect(call!.job.data).toMatchObject({
      target: 'web1',
      windowSec: 600,
      requestedBy: request.requestedBy,
    });
  });

  it('different targets (or windows) are different jobs', async () => {
    const { queues, done } = await setup();
    const a = await queues.enqueueDiagnosis(ask('web1'));
    const b = await queues.enqueueDiagnosis(ask('web2'));
    const c = await queues.enqueueDiagnosis(ask('web1', { windowSec: 60 }));
    expect(new Set([a.jobId, b.jobId, c.jobId]).size).toBe(3);
    expect([a, b, c].every((e) => !e.deduplicated)).toBe(true);
    const calls = await done.until('three answers', (c) => c.length === 3);
    expect(calls.map((c) => c.replies.length)).toEqual([1, 1, 1]);
  });

  it('a new ask after the job finished is a new job', async () => {
    const { queues, done } = await setup();
    const first = await queues.enqueueDiagnosis(ask('web1'));
    await done.until('first answer', (c) => c.length === 1);
    const second = await queues.enqueueDiagnosis(ask('web1'));
    expect(second.deduplicated).toBe(false);
    expect(second.jobId).not.toBe(first.jobId);
    const calls = await done.until('second answer', (c) => c.length === 2);
    expect(calls[1]!.job.id).toBe(second.jobId);
    expect(calls[1]!.replies).toHaveLength(1);
  });

  it('refuses a target that is not an inventory name before touching Redis', async () => {
    const { queues } = await setup();
    await expect(queues.enqueueDiagnosis(ask('web1:6379'))).rejects.toBeInstanceOf(
      InvalidDiagnosisRequestError,
    );
    await expect(queues.enqueueDiagnosis(ask('web1', { windowSec: 0 }))).rejects.toBeInstanceOf(
      InvalidDiagnosisRequestError,
    );
    expect((await keysUnder(REDIS_URL, prefix)).filter((k) => k.includes(':replies:'))).toEqual([]);
    expect(await queues.queue.getJobCounts('wait', 'active', 'completed')).toEqual({
      wait: 0,
      active: 0,
      completed: 0,
    });
  });

  it('an ask refused after its reply target was stored is not answered later', async () => {
    const { queues, done } = await setup();
    vi.spyOn(queues.queue, 'add').mockRejectedValueOnce(new Error('OOM command not allowed'));
    const refused = ask('web1');
    await expect(queues.enqueueDiagnosis(refused)).rejects.toBeInstanceOf(QueueUnavailableError);
    const retried = ask('web1');
    await queues.enqueueDiagnosis(retried);
    const [call] = await done.until('the answer', (c) => c.length === 1);
    // Only the asker whose command was accepted is answered.
    expect(call!.replies).toEqual([retried.reply]);
  });

  it('trims finished jobs by count', async () => {
    prefix = freshPrefix();
    const done = new DoneLog<string>();
    queues = createQueues({
      connection: REDIS_URL,
      prefix,
      jobOptions: { removeOnComplete: { count: 2 } },
    });
    await queues.ready();
    worker = startDiagnosisWorker({
      connection: REDIS_URL,
      prefix,
      process: async () => 'ok',
      onDone: done.onDone,
    });
    for (const t of ['a1', 'a2', 'a3', 'a4', 'a5']) await queues.enqueueDiagnosis(ask(t));
    await done.until('five answers', (c) => c.length === 5);
    expect(await queues.queue.getCompletedCount()).toBe(2);
  });
});
