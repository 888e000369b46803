/**
 * Runs vetted scripts on one host over one reused SSH connection.
 *
 * - The connection is opened on first use; concurrent callers share that one attempt; a dropped
 *   connection is replaced on the next call.
 * - At most maxChannels channels run at once; the rest queue (OpenSSH refuses past MaxSessions).
 * - Every run has a hard deadline that kills the remote process group (see remote-command.ts),
 *   and a slot is released only after that kill, so a timed-out command never outlives its slot.
 *
 * Channels are driven on the ssh2 Client directly rather than through node-ssh's execCommand,
 * which buffers output without a cap, decodes each chunk separately (splitting UTF-8 characters)
 * and exposes no way to stop a command.
 */
import type { ClientChannel } from 'ssh2';
import { linkedSignal } from '../util/linked-signal.js';
import { buildBecomeKillCommand, classifyBecomeFailure, sudoersLine, sudoSaid } from './become.js';
import { BecomeError, ConnectionLostError, RunAbortedError } from './errors.js';
import { assertTimeout, CappedBuffer, resolveMaxOutputBytes } from './output-capture.js';
import {
  BecomeMarkerParser,
  buildKillCommand,
  buildWrappedCommand,
  PgidMarkerParser,
} from './remote-command.js';
import { Semaphore } from './semaphore.js';
import { assertSafeArgs } from './shell-quote.js';
import { KILL_STEP_MS, killRemote, openExecRetrying } from './ssh-channel.js';
import { connectLink, type SshLink } from './ssh-link.js';
import { SshScriptSession } from './ssh-session.js';
import { DEFAULT_MAX_CHANNELS, describeTarget, type SshTarget } from './ssh-target.js';
import type { RunResult, RunScriptOptions, Transport } from './transport.js';

export type { SshTarget } from './ssh-target.js';

/**
 * Channels reserved for kill commands, on top of maxChannels: the default 8 + 2 stays within
 * OpenSSH's default MaxSessions of 10.
 */
export const KILL_CHANNELS = 2;

export class SshTransport implements Transport {
  readonly host: string;
  private link: SshLink | null = null;
  private connecting: Promise<SshLink> | null = null;
  private readonly slots: Semaphore;
  private readonly killSlots = new Semaphore(KILL_CHANNELS);
  /** Aborted by close(), so closing kills what is running instead of orphaning it on the host. */
  private closeController = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(readonly target: SshTarget) {
    this.host = target.host;
    this.slots = new Semaphore(target.maxChannels ?? DEFAULT_MAX_CHANNELS);
  }

  /** Channels currently open (or being killed) on this host; for metrics and tests. */
  get activeChannels(): number {
    return this.slots.inUse;
  }

  /** The live connection, opening one if needed. Concurrent callers share one attempt. */
  connect(): Promise<SshLink> {
    if (this.link?.alive) return Promise.resolve(this.link);
    if (!this.connecting) {
      const attempt = connectLink(this.target).then((link) => {
        this.link = link;
        link.onLost(() => {
          if (this.link === link) this.link = null;
        });
        return link;
      });
      this.connecting = attempt;
      const clear = (): void => {
        if (this.connecting === attempt) this.connecting = null;
      };
      attempt.then(clear, clear);
    }
    return this.connecting;
  }

  /**
   * Kills in-flight runs on the host (they reject with RunAbortedError), then disconnects. Later
   * calls reconnect.
   */
  async close(): Promise<void> {
    const controller = this.closeController;
    this.closeController = new AbortController();
    controller.abort();
    if (this.inflight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inflight]),
        new Promise((r) => {
          timer = setTimeout(r, 3 * KILL_STEP_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    const pending = this.connecting;
    this.link?.close();
    this.link = null;
    if (pending) {
      await pending.then(
        (l) => l.close(),
        () => {},
      );
    }
  }

  runScript(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult> {
    return this.track(this.run(script, args, options));
  }

  openSession(budgetMs: number): Transport {
    return new SshScriptSession(
      {
        host: this.host,
        acquireSlot: (signal) => this.slots.acquire(signal),
        connect: () => this.connect(),
        killSlots: this.killSlots,
        closing: () => this.closeController.signal,
        runAlone: (script, args, options) => this.runScript(script, args, options),
        track: (run) => this.track(run),
      },
      budgetMs,
    );
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.inflight.add(run);
    const done = (): void => {
      this.inflight.delete(run);
    };
    run.then(done, done);
    return run;
  }

  private async run(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult> {
    assertSafeArgs(args);
    assertTimeout(options.timeoutMs);
    const maxOutputBytes = resolveMaxOutputBytes(options.maxOutputBytes);
    const started = Date.now();
    const closing = this.closeController.signal;
    // Linked by hand, not AbortSignal.any: this transport's close signal outlives every run.
    const linked = linkedSignal([options.signal, closing]);
    const signal = linked.signal;
    try {
      if (signal.aborted) throw new RunAbortedError(`run on ${this.host} aborted before it started`);

      // The deadline covers the wait for a slot as well: rule 7 is about the caller's wall time.
      const queue = linkedSignal([signal, AbortSignal.timeout(options.timeoutMs)]);
      let release: () => void;
      try {
        release = await this.slots.acquire(queue.signal);
      } catch {
        if (signal.aborted) throw new RunAbortedError(`run on ${this.host} aborted while queued`);
        return emptyResult(started, true);
      } finally {
        queue.dispose();
      }
      try {
        const link = await raceAbort(this.connect(), signal, this.host);
        const remaining = options.timeoutMs - (Date.now() - started);
        if (remaining <= 0) return emptyResult(started, true);
        return await runOnLink(link, script, args, {
          remainingMs: remaining,
          timeoutMs: options.timeoutMs,
          maxOutputBytes,
          signal,
          started,
          killSlots: this.killSlots,
        });
      } finally {
        release();
      }
    } finally {
      linked.dispose();
    }
  }
}

function emptyResult(started: number, timedOut: boolean): RunResult {
  return {
    stdout: '',
    stderr: '',
    code: null,
    timedOut,
    truncated: false,
    ms: Date.now() - started,
    bytes: 0,
  };
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, host: string): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RunAbortedError(`run on ${host} aborted while connecting`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface RunParams {
  remainingMs: number;
  timeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal | undefined;
  started: number;
  killSlots: Semaphore;
}

function runOnLink(link: SshLink, script: string, args: readonly string[], p: RunParams): Promise<RunResult> {
  const become = link.target.become;
  const command = buildWrappedCommand(args, p.timeoutMs, link.backstop, become);
  const stdout = new CappedBuffer(p.maxOutputBytes);
  const stderr = new CappedBuffer(p.maxOutputBytes);
  const marker = new PgidMarkerParser();
  // With become, the root shell's own marker follows the login shell's (become.ts).
  const becomeMarker = become ? new BecomeMarkerParser() : null;
  const killCommand = (): string | null => {
    if (marker.pgid === null) return null;
    if (!becomeMarker) return buildKillCommand(marker.pgid);
    const groups = becomeMarker.pid === null ? [marker.pgid] : [becomeMarker.pid, marker.pgid];
    return buildBecomeKillCommand(groups);
  };
  const becomeFailure = (code: number | null): BecomeError => {
    stderr.push(marker.flush());
    if (becomeMarker) stderr.push(becomeMarker.flush());
    const said = stderr.text();
    return new BecomeError({
      host: link.target.host,
      user: link.target.user,
      reason: classifyBecomeFailure(said, code),
      said: sudoSaid(said, code),
      sudoersLine: sudoersLine(link.target.user),
    });
  };

  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    let stopping: 'timeout' | 'abort' | null = null;
    let channel: ClientChannel | null = null;
    let code: number | null = null;
    let scriptSent = false;

    const cleanup = (): void => {
      clearTimeout(timer);
      p.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
    };
    const result = (): RunResult => {
      stderr.push(marker.flush());
      if (becomeMarker) stderr.push(becomeMarker.flush());
      return {
        stdout: stdout.text(),
        stderr: stderr.text(),
        code: stopping ? null : code,
        timedOut: stopping === 'timeout',
        truncated: stdout.truncated || stderr.truncated,
        ms: Date.now() - p.started,
        bytes: stdout.seen + stderr.seen,
      };
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (stopping === 'abort') reject(new RunAbortedError(`run on ${link.target.host} aborted`));
      else resolve(result());
    };
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      channel?.close();
      reject(err);
    };
    const stop = (why: 'timeout' | 'abort'): void => {
      if (settled || stopping) return;
      stopping = why;
      const started = scriptSent || (becomeMarker !== null && marker.pgid !== null);
      void killRemote(link, channel, killCommand(), started, p.killSlots).then((problem) => {
        if (problem) stderr.push(Buffer.from(`\n[fpm-medic] ${problem}\n`));
        finish();
      });
    };

    const timer = setTimeout(() => stop('timeout'), p.remainingMs);
    const onAbort = (): void => stop('abort');
    p.signal?.addEventListener('abort', onAbort, { once: true });
    if (p.signal?.aborted) onAbort(); // aborted while we were connecting: never start
    const unsubscribe = link.onLost((err) => {
      // Once we are killing the run, its outcome (timed out / aborted) is already decided.
      if (stopping) finish();
      else fail(err);
    });

    // The script goes out only once the wrapper has reported its process group: a run stopped
    // before that point never runs anything, and one stopped after it can always be killed.
    const sendScript = (ch: ClientChannel): void => {
      if (scriptSent || stopping || settled) return;
      scriptSent = true;
      ch.end(script);
    };

    openExecRetrying(link, command, p.remainingMs).then(
      (ch) => {
        if (settled || stopping) {
          // The deadline passed before the channel opened; EOF on stdin, nothing runs.
          ch.end();
          ch.close();
          return;
        }
        channel = ch;
        ch.on('data', (chunk: Buffer) => stdout.push(chunk));
        ch.stderr.on('data', (chunk: Buffer) => {
          const afterPgid = marker.push(chunk);
          stderr.push(becomeMarker ? becomeMarker.push(afterPgid) : afterPgid);
          if (marker.complete) {
            if (link.backstop === 'detect' && marker.backstop) link.backstop = marker.backstop;
            // With become, only once sudo has started the root shell: a failing sudo never gets it.
            if (!becomeMarker || becomeMarker.complete) sendScript(ch);
          }
        });
        ch.on('exit', (exitCode: number | null) => {
          code = typeof exitCode === 'number' ? exitCode : null;
        });
        ch.on('close', () => {
          if (stopping) return; // killRemote decides when the run is over
          if (!link.alive) fail(new ConnectionLostError(`connection to ${describeTarget(link.target)} lost`));
          else if (becomeMarker && !scriptSent) fail(becomeFailure(code));
          else finish();
        });
      },
      (err: Error) => {
        if (stopping) finish();
        else fail(err);
      },
    );
  });
}
