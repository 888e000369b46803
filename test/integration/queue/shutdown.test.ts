import { afterEach, describe, expect, it } from 'vitest';
import {
  createQueues,
  type DiagnosisQueues,
  type DiagnosisWorker,
  type ProcessContext,
  startDiagnosisWorker,
} from '../../../src/queue/index.js';
import { waitFor } from '../../lab/wait.js';
import { ask, cleanupPrefix, DoneLog, freshPrefix, gate, REDIS_URL } from './helpers.js';

describe('queue: worker shutdown (SIGTERM)', () => {
  let prefix: string;
  let queues: DiagnosisQueues | undefined;
  const workers: DiagnosisWorker[] = [];

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.close({ graceMs: 1_000, abortGraceMs: 1_000 });
    await queues?.close();
    queues = undefined;
    await cleanupPrefix(REDIS_URL, prefix);
  });

  async function setup() {
    prefix = freshPrefix();
    queues = createQueues({ connection: REDIS_URL, prefix });
    await queues.ready();
    return queues;
  }

  function start(process: (ctx: ProcessContext) => Promise<string>, done: DoneLog<string>) {
    const w = startDiagnosisWorker({
      connection: REDIS_URL,
      prefix,
      process: (_d, ctx) => process(ctx),
      onDone: done.onDone,
    });
    workers.push(w);
    return w;
  }

  it('finishes the running job within the grace period, answers, and takes no new job', async () => {
    const queues = await setup();
    const done = new DoneLog<string>();
    const hold = gate();
    const started: string[] = [];
    const w = start(async (ctx) => {
      started.push(ctx.jobId);
      await hold.promise;
      return 'report';
    }, done);
    const running = ask('web1');
    const first = await queues.enqueueDiagnosis(running);
    await waitFor('the job to start', () => started.length === 1);

    const closed = w.close({ graceMs: 30_000 });
    const next = await queues.enqueueDiagnosis(ask('web2'));
    hold.open();
    await closed;

    // close() returns only once the finished job's askers have been answered.
    expect(done.calls).toHaveLength(1);
    expect(done.calls[0]!.job.id).toBe(first.jobId);
    expect(done.calls[0]!.replies).toEqual([running.reply]);
    expect(await queues.queue.getJobState(first.jobId)).toBe('completed');
    expect(await queues.queue.getJobState(next.jobId)).toBe('waiting');
    expect(started).toEqual([first.jobId]);
  });

  it('hands a job still running after the grace period back to the queue for another worker', async () => {
    const queues = await setup();
    const done = new DoneLog<string>();
    const aborted: unknown[] = [];
    const started: string[] = [];
    const w1 = start(
      (ctx) =>
        new Promise<string>((_resolve, reject) => {
          started.push(ctx.jobId);
          ctx.signal.addEventListener('abort', () => {
            aborted.push(ctx.signal.reason);
            reject(ctx.signal.reason);
          });
        }),
      done,
    );
    const request = ask('web1');
    const { jobId } = await queues.enqueueDiagnosis(request);
    await waitFor('the job to start', () => started.length === 1);

    await w1.close({ graceMs: 200 });
    expect(aborted).toHaveLength(1);
    // The aborted run neither failed the job nor answered anyone: the job waits, as if never taken.
    expect(await queues.queue.getJobState(jobId)).toBe('waiting');
    expect(done.calls).toEqual([]);

    const done2 = new DoneLog<string>();
    const runs: number[] = [];
    start(async (ctx) => {
      runs.push(ctx.attempt);
      return 'report';
    }, done2);
    const [call] = await done2.until('the other worker to finish it', (c) => c.length === 1);
    expect(call!.job.id).toBe(jobId);
    expect(call!.replies).toEqual([request.reply]);
    expect(runs).toEqual([2]);
    expect(done.calls).toEqual([]);
    expect(await queues.queue.getJobState(jobId)).toBe('completed');
  });
});
