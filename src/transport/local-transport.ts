/**
 * `address: local`: runs the script on this machine with the same contract as SSH. The child is
 * spawned detached, which makes it the leader of its own process group, so a timeout can kill
 * everything the script started (pipelines, background jobs) with one kill(-pgid).
 *
 * With `become: sudo` (fpm-medic running as an unprivileged user on the host itself) the child is
 * `sudo -n -- /bin/sh -c ...` as over SSH (become.ts): sudo leads the group, the root shell stays
 * in it, the script is written only once the root shell reported itself, and the kill runs as
 * root through sudo too, since this process may not signal root's.
 */
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import {
  type BecomeMethod,
  becomeArgv,
  buildBecomeKillCommand,
  classifyBecomeFailure,
  sudoersLine,
  sudoSaid,
} from './become.js';
import { BecomeError, RunAbortedError } from './errors.js';
import { assertTimeout, CappedBuffer, resolveMaxOutputBytes } from './output-capture.js';
import { BecomeMarkerParser } from './remote-command.js';
import { assertSafeArgs } from './shell-quote.js';
import type { RunResult, RunScriptOptions, Transport } from './transport.js';

/** After the kill, how long we wait for the pipes to close before giving up on them. */
const AFTER_KILL_MS = 2_000;

export interface LocalTransportOptions {
  become?: BecomeMethod;
}

export class LocalTransport implements Transport {
  constructor(
    readonly host: string,
    private readonly shell = '/bin/sh',
    private readonly options: LocalTransportOptions = {},
  ) {}

  async runScript(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult> {
    // Same rule as over SSH even though no shell parses the args here: the scripts pass them on.
    assertSafeArgs(args);
    assertTimeout(options.timeoutMs);
    const maxOutputBytes = resolveMaxOutputBytes(options.maxOutputBytes);
    const { signal } = options;
    if (signal?.aborted) throw new RunAbortedError(`run on ${this.host} aborted before it started`);
    const started = Date.now();

    const become = this.options.become;
    // No shell parses these words: spawn passes them to sudo as they are.
    const [program, ...programArgs] = become
      ? [...becomeArgv(null), 'sh', ...args]
      : [this.shell, '-s', '--', ...args];
    const child = spawn(program!, programArgs, {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    const becomeMarker = become ? new BecomeMarkerParser() : null;
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => {
      stderr.push(becomeMarker ? becomeMarker.push(c) : c);
      // With become, the script goes to the root shell only: a failing sudo never gets it.
      if (becomeMarker?.complete && !child.stdin.writableEnded) child.stdin.end(script);
    });
    // EPIPE when the script exits without reading all of stdin is normal, not a failure.
    child.stdin.on('error', () => {});
    if (!becomeMarker) child.stdin.end(script);

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
        if (becomeMarker) stderr.push(becomeMarker.flush());
        if (becomeMarker && !stopping && !child.stdin.writableEnded) {
          reject(becomeFailure(this.host, stderr.text(), exitCode));
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
        if (become) killGroupAsRoot(child.pid);
        else killGroup(child.pid);
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
      child.on('error', (err: NodeJS.ErrnoException) =>
        // No sudo on this machine is a become failure like any other, with the same fix.
        finish(become && err.code === 'ENOENT' ? becomeFailure(this.host, 'sudo: not found', 127) : err),
      );
      child.on('exit', (code) => {
        exitCode = code;
      });
      // 'close' waits for stdout/stderr to end too, so output written just before exit is kept.
      child.on('close', () => finish());
    });
  }

  async close(): Promise<void> {}
}

/** Through the same sudoers grant, falling back to what this user may kill (become.ts). */
function killGroupAsRoot(pid: number | undefined): void {
  if (pid === undefined || pid < 2) return;
  const killer = spawn('/bin/sh', ['-c', buildBecomeKillCommand([pid])], { stdio: 'ignore' });
  killer.on('error', () => killGroup(pid));
}

function becomeFailure(host: string, said: string, code: number | null): BecomeError {
  const user = localUser();
  return new BecomeError({
    host,
    user,
    reason: classifyBecomeFailure(said, code),
    said: sudoSaid(said, code),
    sudoersLine: sudoersLine(user),
  });
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined || pid < 2) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}
