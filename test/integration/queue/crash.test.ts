import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createQueues,
  type DiagnosisQueues,
  type DiagnosisWorker,
  startDiagnosisWorker,
} from '../../../src/queue/index.js';
import { waitFor } from '../../lab/wait.js';
import { ask, cleanupPrefix, DoneLog, freshPrefix, REDIS_URL } from './helpers.js';

const CHILD = fileURLToPath(new URL('./child-worker.ts', import.meta.url));

describe('queue: a worker killed mid-job', () => {
  let prefix: string;
  let child: ChildProcess | undefined;
  let queues: DiagnosisQueues | undefined;
  let worker: DiagnosisWorker | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await worker?.close({ graceMs: 1_000 });
    await queues?.close();
    child = worker = queues = undefined;
    await cleanupPrefix(REDIS_URL, prefix);
  });

  it('has its job picked up by another worker, which completes it once and answers the asker', async () => {
    prefix = freshPrefix();
    let out = '';
    child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, REDIS_URL, QUEUE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (d) => {
      out += d;
    });
    const exited = new Promise((r) => child!.once('exit', r));

    queues = createQueues({ connection: REDIS_URL, prefix });
    await queues.ready();
    const request = ask('web1');
    const { jobId } = await queues.enqueueDiagnosis(request);
    await waitFor('the child worker to start the job', () => out.includes(`started ${jobId}`), {
      timeoutMs: 30_000,
      detail: () => out,
    });
    child.kill('SIGKILL');
    await exited;
    expect(await queues.queue.getJobState(jobId)).toBe('active');

    const done = new DoneLog<string>();
    const runs: string[] = [];
    const stalled: string[] = [];
    worker = startDiagnosisWorker({
      connection: REDIS_URL,
      prefix,
      timings: { lockDurationMs: 1_500, stalledIntervalMs: 500 },
      process: async (_d, ctx) => {
        runs.push(`${ctx.jobId}#${ctx.attempt}`);
        return 'report';
      },
      onDone: done.onDone,
    });
    worker.worker.on('stalled', (id) => stalled.push(id));
    const [call] = await done.until('the recovered job to finish', (c) => c.length === 1);
    expect(stalled).toEqual([jobId]);
    // The second start of the job, and the only one that finished.
    expect(runs).toEqual([`${jobId}#2`]);
    expect(call!.job.id).toBe(jobId);
    expect(call!.outcome).toEqual({ ok: true, result: 'report' });
    expect(call!.replies).toEqual([request.reply]);
    expect(await queues.queue.getJobState(jobId)).toBe('completed');
    expect(out).not.toContain('done');
  });
});
