/**
 * A worker in its own process, for the crash test to kill -9 mid-job. It prints "started <jobId>"
 * when a job begins and then never finishes it.
 */
import { startDiagnosisWorker } from '../../../src/queue/index.js';

const { REDIS_URL, QUEUE_PREFIX } = process.env;
if (!REDIS_URL || !QUEUE_PREFIX) throw new Error('REDIS_URL and QUEUE_PREFIX are required');

startDiagnosisWorker({
  connection: REDIS_URL,
  prefix: QUEUE_PREFIX,
  timings: { lockDurationMs: 1_500, stalledIntervalMs: 500 },
  process: async (_data, ctx) => {
    process.stdout.write(`started ${ctx.jobId}\n`);
    return new Promise<never>(() => {});
  },
  onDone: async () => {
    process.stdout.write('done\n');
  },
  onError: (err) => process.stderr.write(`${err.message}\n`),
});
process.stdout.write('ready\n');
