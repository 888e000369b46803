import { afterEach, describe, expect, it } from 'vitest';
import {
  createQueues,
  type DiagnoseJob,
  type DiagnosisQueues,
  type DiagnosisWorker,
  type ProcessContext,
  startDiagnosisWorker,
  TransientError,
} from '../../../src/queue/index.js';
import type { HostReport } from '../../../src/report/host-report.js';
import { ask, cleanupPrefix, DoneLog, freshPrefix, REDIS_URL } from './helpers.js';

const critical: HostReport = {
  host: 'web1',
  verdict: 'critical',
  durationMs: 1200,
  collectedAt: '2026-11-20T23:00:00Z',
  windowMinutes: 15,
  windowSeconds: 900,
  findings: [],
  probes: [],
  failures: [],
};

describe('queue: retries', () => {
  let prefix: string;
  let queues: DiagnosisQueues | undefined;
  let worker: DiagnosisWorker | undefined;

  afterEach(async () => {
    await worker?.close({ graceMs: 1_000 });
    await queues?.close();
    worker = queues = undefined;
    await cleanupPrefix(REDIS_URL, prefix);
  });

  async function setup(process: (d: DiagnoseJob, ctx: ProcessContext) => Promise<HostReport[]>) {
    prefix = freshPrefix();
    const done = new DoneLog<HostReport[]>();
    const attempts: number[] = [];
    // A short backoff keeps the test quick; attempts stay at the production default.
    queues = createQueues({
      connection: REDIS_URL,
      prefix,
      jobOptions: { backoff: { type: 'fixed', delay: 50 } },
    });
    await queues.ready();
    worker = startDiagnosisWorker({
      connection: REDIS_URL,
      prefix,
      process: (d, ctx) => {
        attempts.push(ctx.attempt);
        return process(d, ctx);
      },
      onDone: done.onDone,
    });
    return { queues, done, attempts };
  }

  it('retries a transient failure and answers once with the second attempt’s report', async () => {
    const { queues, done, attempts } = await setup(async (_d, ctx) => {
      if (ctx.attempt === 1) throw new TransientError('connection to the jump host reset');
      return [critical];
    });
    const request = ask('web1');
    await queues.enqueueDiagnosis(request);
    const [call] = await done.until('the answer', (c) => c.length === 1);
    expect(attempts).toEqual([1, 2]);
    expect(call!.outcome).toEqual({ ok: true, result: [critical] });
    expect(call!.replies).toEqual([request.reply]);
    expect(call!.job.attemptsMade).toBe(2);
  });

  it('a critical report is a success: not retried', async () => {
    const { queues, done, attempts } = await setup(async () => [critical]);
    await queues.enqueueDiagnosis(ask('web1'));
    const [call] = await done.until('the answer', (c) => c.length === 1);
    expect(call!.outcome).toEqual({ ok: true, result: [critical] });
    expect(attempts).toEqual([1]);
  });

  it('a non-transient error fails at once and the askers hear why', async () => {
    const { queues, done, attempts } = await setup(async () => {
      throw new Error('inventory has no host web1');
    });
    const request = ask('web1');
    await queues.enqueueDiagnosis(request);
    const [call] = await done.until('the failure', (c) => c.length === 1);
    expect(attempts).toEqual([1]);
    expect(call!.outcome.ok).toBe(false);
    expect(!call!.outcome.ok && call!.outcome.error.message).toBe('inventory has no host web1');
    expect(call!.replies).toEqual([request.reply]);
    expect(await queues.queue.getFailedCount()).toBe(1);
  });

  it('a transient failure on every attempt fails after the last attempt, answered once', async () => {
    const { queues, done, attempts } = await setup(async () => {
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    });
    await queues.enqueueDiagnosis(ask('web1'));
    const [call] = await done.until('the failure', (c) => c.length === 1);
    expect(attempts).toEqual([1, 2]);
    expect(call!.outcome.ok).toBe(false);
    // A new ask after the final failure is a new job, not joined to the failed one.
    const again = await queues.enqueueDiagnosis(ask('web1'));
    expect(again.deduplicated).toBe(false);
    await done.until('the second failure', (c) => c.length === 2);
    expect(done.calls).toHaveLength(2);
  });
});
