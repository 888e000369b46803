/**
 * `fpm-medic worker` in a process of its own, for the test that kills it with -9 mid-diagnosis.
 * Its environment comes from the test; it prints "ready" once it takes jobs.
 */
import { runService } from '../../../src/service/run-service.js';

await runService({ slack: false, worker: true }, process.env, {
  workerTimings: { lockDurationMs: 2_000, stalledIntervalMs: 500 },
});
process.stdout.write('ready\n');
