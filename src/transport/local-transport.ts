/**
 * `address: local`: runs the script on this machine with the same contract as SSH. The child is
 * spawned detached, which makes it the leader of its own process group, so a timeout can kill
 * everything the script started (pipelines, background jobs) with one kill(-pgid).
 */
import { spawn } from 'node:child_process';
import { RunAbortedError } from './errors.js';
import { assertTimeout, CappedBuffer, resolveMaxOutputBytes } from './output-capture.js';
import { assertSafeArgs } from './shell-quote.js';
import type { RunResult, RunScriptOptions, Transport } from './transport.js';

/** After the kill, how long we wait for the pipes to close before giving up on them. */
const AFTER_KILL_MS = 2_000;

export class LocalTransport implements Transport {
  constructor(
    readonly host: string,
    private readonly shell = '/bin/sh',
  ) {}

  async runScript(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult> {
    // Same rule as over SSH even though no shell parses the args here: the scripts pass them on.
    assertSafeArgs(args);
    assertTimeout(options.timeoutMs);
    const maxOutputBytes = resolveMaxOutputBytes(options.maxOutputBytes);
    const { signal } = options;
    if (signal?.aborted) throw new RunAbortedError(`run on ${this.host} aborted before it started`);
    const started = Date.now();

    const child = spawn(this.shell, ['-s', '--', ...args], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    // EPIPE when the script exits without reading all of stdin is normal, not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(script);

    return new Promise<RunResult>((resolve, reject) => {
      let stopping: 'timeout' | 'abort' | null = null;
      let settled = false;
      let exitCode: number | null = null;
      let afterKill: NodeJS.Timeout | undefined;

      const finish = (spawnError?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(afterKill);
        signal?.removeEventListener('abort', onAbort);
        if (spawnError) {
          reject(spawnError);
          return;
        }
        if (stopping === 'abort') {
          reject(new RunAbortedError(`run on ${this.host} aborted`));
          return;
        }
        resolve({
          stdout: stdout.text(),
          stderr: stderr.text(),
          code: stopping ? null : exitCode,
          timedOut: stopping === 'timeout',
          truncated: stdout.truncated || stderr.truncated,
          ms: Date.now() - started,
          bytes: stdout.seen + stderr.seen,
        });
      };
      const stop = (why: 'timeout' | 'abort'): void => {
        if (settled || stopping) return;
        stopping = why;
        killGroup(child.pid);
        // A process that left our group (setsid) may still hold the pipes; do not wait on it forever.
        afterKill = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, AFTER_KILL_MS);
      };

      const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
      const onAbort = (): void => stop('abort');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => finish(err));
      child.on('exit', (code) => {
        exitCode = code;
      });
      // 'close' waits for stdout/stderr to end too, so output written just before exit is kept.
      child.on('close', () => finish());
    });
  }

  async close(): Promise<void> {}
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined || pid < 2) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}
