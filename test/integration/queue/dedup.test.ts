import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createQueues,
  type DiagnosisQueues,
  type DiagnosisWorker,
  type ReplyTarget,
  startDiagnosisWorker,
} from '../../../src/queue/index.js';
import { waitFor } from '../../lab/wait.js';
import { ask, cleanupPrefix, DoneLog, freshPrefix, type Gate, gate, REDIS_URL } from './helpers.js';

describe('queue: deduplication', () => {
  let prefix: string;
  let queues: DiagnosisQueues | undefined;
  let worker: DiagnosisWorker | undefined;

  afterEach(async () => {
    await worker?.close({ graceMs: 1_000 });
    await queues?.close();
    worker = queues = undefined;
    await cleanupPrefix(REDIS_URL, prefix);
  });

  async function setup(opts: { hold?: Gate; concurrency?: number } = {}) {
    prefix = freshPrefix();
    const done = new DoneLog<string>();
    const started: string[] = [];
    queues = createQueues({ connection: REDIS_URL, prefix });
    await queues.ready();
    worker = startDiagnosisWorker({
      connection: REDIS_URL,
      prefix,
      concurrency: opts.concurrency ?? 4,
      process: async (data, ctx) => {
        started.push(ctx.jobId);
        await opts.hold?.promise;
        return `report of ${data.target}`;
      },
      onDone: done.onDone,
    });
    return { queues, done, started };
  }

  const key = (r: ReplyTarget) => `${r.userId}/${r.messageTs}`;

  it('10 concurrent identical asks are one job, and each asker is answered once', async () => {
    const hold = gate();
    const { queues, done, started } = await setup({ hold });
    const requests = Array.from({ length: 10 }, () => ask('web1'));
    const results = await Promise.all(requests.map((r) => queues.enqueueDiagnosis(r)));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    hold.open();
    const [call] = await done.until('the answer', (c) => c.length === 1);
    expect(call!.replies.map(key).sort()).toEqual(requests.map((r) => key(r.reply)).sort());
    expect(started).toHaveLength(1);
    expect(await queues.queue.getCompletedCount()).toBe(1);
  });

  it('an ask while the job is running joins it', async () => {
    const hold = gate();
    const { queues, done, started } = await setup({ hold });
    const first = await queues.enqueueDiagnosis(ask('web1'));
    await waitFor('the job to start', () => started.length === 1);
    const late = ask('web1');
    const joined = await queues.enqueueDiagnosis(late);
    expect(joined).toEqual({ jobId: first.jobId, deduplicated: true });
    hold.open();
    const [call] = await done.until('the answer', (c) => c.length === 1);
    expect(call!.replies.map(key)).toContain(key(late.reply));
    expect(call!.replies).toHaveLength(2);
  });

  // The two interleavings where an asker and a finishing job overlap. "before": the asker's add
  // arrives after the job finished, so it makes a new job. "after": the add joined the running job
  // and the asker stalls before returning, while the job finishes. In both the asker is answered
  // exactly once; swapping the order of the reply push and the add would fail "after".
  it.each(['before', 'after'] as const)(
    'an asker held %s its add while the job finishes is answered once',
    async (when) => {
      const hold = gate();
      const { queues, done, started } = await setup({ hold });
      const first = await queues.enqueueDiagnosis(ask('web1'));
      await waitFor('the job to start', () => started.length === 1);
      const held = gate();
      let added = false;
      const add = queues.queue.add.bind(queues.queue);
      vi.spyOn(queues.queue, 'add').mockImplementationOnce(async (...args) => {
        if (when === 'before') await held.promise;
        const job = await add(...args);
        added = true;
        if (when === 'after') await held.promise;
        return job;
      });
      const late = ask('web1');
      const lateEnqueued = queues.enqueueDiagnosis(late);
      await waitFor(
        'the late asker to reach the add',
        () => vi.mocked(queues.queue.add).mock.calls.length === 1,
      );
      if (when === 'after') await waitFor('the add to join the running job', () => added);
      hold.open();
      const [call] = await done.until('the running job to answer', (c) => c.length === 1);
      expect(call!.job.id).toBe(first.jobId);
      expect(call!.replies.map(key)).toContain(key(late.reply));
      held.open();
      const enq = await lateEnqueued;
      if (when === 'before') {
        // The job it meant to join was gone, so the add started a new one, with nobody left to answer.
        expect(enq.deduplicated).toBe(false);
        const calls = await done.until('the new job to finish', (c) => c.length === 2);
        expect(calls[1]!.job.id).toBe(enq.jobId);
        expect(calls[1]!.replies).toEqual([]);
      } else {
        expect(enq).toEqual({ jobId: first.jobId, deduplicated: true });
      }
      expect(done.replies().filter((r) => key(r) === key(late.reply))).toHaveLength(1);
    },
  );

  it('asks racing job completions: every asker answered exactly once, none twice', async () => {
    // No gate: jobs finish while asks keep arriving, so asks land before, during and after each
    // job leaves its dedup key, the window where a naive design loses or doubles an answer.
    const { queues, done } = await setup({ concurrency: 8 });
    const requests = Array.from({ length: 300 }, (_, i) => ask(`web${i % 3}`));
    const waves: Promise<unknown>[] = [];
    for (let i = 0, wave = 0; i < requests.length; i += 15, wave++) {
      waves.push(Promise.all(requests.slice(i, i + 15).map((r) => queues.enqueueDiagnosis(r))));
      await new Promise((r) => setImmediate(r));
      // Now and then let a job finish, so the asks span several jobs per target.
      if (wave % 4 === 3) {
        const seen = done.calls.length;
        await done.until('a job to finish', (c) => c.length > seen);
      }
    }
    await Promise.all(waves);
    const calls = await done.until('every asker answered', () => done.replies().length >= requests.length);
    const answered = done.replies().map(key).sort();
    expect(answered).toEqual(requests.map((r) => key(r.reply)).sort());
    // Each answer carries its own target's result.
    for (const c of calls) {
      for (const r of c.replies) {
        const target = requests.find((q) => key(q.reply) === key(r))!.target;
        expect(c.outcome).toEqual({ ok: true, result: `report of ${target}` });
      }
    }
    expect(calls.length).toBeGreaterThanOrEqual(5);
  });
});
