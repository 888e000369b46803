/**
 * Several scripts over one SSH channel: one sshd session and one login shell for a whole
 * diagnosis instead of one per round. On a host each session costs far more than the probes
 * (sshd forks, the login shell starts and runs its rc files: 170 ms of CPU per channel on the
 * lab, whose root shell runs pyenv's hooks), and a struggling host should pay it once.
 *
 * The channel runs the same wrapped `sh -s` as a single run (remote-command.ts: the process group
 * marker, the remote timeout backstop, become), and its stdin stays open. Each script is sent as
 *
 *     (
 *     set -- 'ARG' ...            arguments validated and quoted as on a command line
 *     SCRIPT
 *     )
 *     printf '\n@@round-end TOKEN %s\n' "$?"; printf '\n@@round-end TOKEN\n' >&2
 *
 * so it runs in a subshell of its own (its `exit`, its priority, its variables end with it) and
 * its end is marked on both streams with a token drawn for that script, which nothing on the
 * host can know in advance. A script that overruns its deadline, or is aborted, has the whole
 * group killed as a single run would (ssh-channel.ts): the session is over, and later scripts
 * run on channels of their own.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { linkedSignal } from '../util/linked-signal.js';
import { buildBecomeKillCommand } from './become.js';
import { ChannelError, ConnectionLostError, RunAbortedError } from './errors.js';
import { assertTimeout, CappedBuffer, resolveMaxOutputBytes } from './output-capture.js';
import {
  BecomeMarkerParser,
  buildKillCommand,
  buildWrappedCommand,
  PgidMarkerParser,
} from './remote-command.js';
import type { Semaphore } from './semaphore.js';
import { assertSafeArgs, quoteArg } from './shell-quote.js';
import { closed, KILL_STEP_MS, killRemote, openExecRetrying } from './ssh-channel.js';
import type { SshLink } from './ssh-link.js';
import { describeTarget } from './ssh-target.js';
import type { RunResult, RunScriptOptions, Transport } from './transport.js';

/** What the session needs of the transport that opened it. */
export interface SessionOwner {
  readonly host: string;
  /** A channel slot (maxChannels), held for the session's life. */
  acquireSlot(signal: AbortSignal): Promise<() => void>;
  connect(): Promise<SshLink>;
  readonly killSlots: Semaphore;
  /** Aborted when the transport closes. */
  closing(): AbortSignal;
  /** A run on a channel of its own, once the session cannot carry more. */
  runAlone(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult>;
  /** Counts a run as in flight, so closing the transport waits for its kill. */
  track<T>(run: Promise<T>): Promise<T>;
}

interface Open {
  link: SshLink;
  channel: ClientChannel;
  release: () => void;
  marker: PgidMarkerParser;
  becomeMarker: BecomeMarkerParser | null;
}

/** The script being run: what it has printed so far, and how it ends. */
interface Round {
  token: string;
  stdout: CappedBuffer;
  stderr: CappedBuffer;
  /** The last bytes of each stream, where the end marker is looked for. */
  tails: { out: string; err: string };
  code: number | null;
  outDone: boolean;
  errDone: boolean;
  done: () => void;
}

const TAIL = 512;

export class SshScriptSession implements Transport {
  readonly host: string;
  private open: Promise<Open> | null = null;
  private dead = false;
  private round: Round | null = null;
  /** Scripts run one after the other: the channel has one shell. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly owner: SessionOwner,
    /** The session's whole life: the remote backstop kills it past this (plus its grace). */
    private readonly budgetMs: number,
  ) {
    this.host = owner.host;
    assertTimeout(budgetMs);
  }

  runScript(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult> {
    assertSafeArgs(args);
    assertTimeout(options.timeoutMs);
    const run = this.owner.track(this.queue.then(() => this.runNext(script, args, options)));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Ends the shell (EOF on its stdin) and frees the channel; the connection stays. */
  async close(): Promise<void> {
    await this.queue;
    this.dead = true;
    const open = await this.open?.catch(() => null);
    this.open = null;
    if (!open) return;
    open.channel.end();
    await closed(open.channel, KILL_STEP_MS);
    open.channel.close();
    open.release();
  }

  private async runNext(
    script: string,
    args: readonly string[],
    options: RunScriptOptions,
  ): Promise<RunResult> {
    if (this.dead) return this.owner.runAlone(script, args, options);
    const started = Date.now();
    let open: Open;
    try {
      this.open ??= this.start(options.timeoutMs);
      open = await this.open;
    } catch (err) {
      this.dead = true;
      this.open = null;
      if (options.signal?.aborted || this.owner.closing().aborted) throw err;
      // Whatever kept the session from starting (a refused channel, a sudo that will not start
      // the root shell) is met again, and reported as usual, by a run of its own.
      return this.owner.runAlone(script, args, options);
    }
    if (this.dead) return this.owner.runAlone(script, args, options);
    return this.send(open, script, args, options, started);
  }

  /** Opens the channel and waits until the wrapper (and sudo's root shell) reported itself. */
  private async start(timeoutMs: number): Promise<Open> {
    const queued = linkedSignal([this.owner.closing(), AbortSignal.timeout(timeoutMs)]);
    let release: () => void;
    try {
      release = await this.owner.acquireSlot(queued.signal);
    } finally {
      queued.dispose();
    }
    try {
      const link = await this.owner.connect();
      const become = link.target.become;
      const command = buildWrappedCommand([], this.budgetMs, link.backstop, become);
      const channel = await openExecRetrying(link, command, timeoutMs);
      const marker = new PgidMarkerParser();
      const becomeMarker = become ? new BecomeMarkerParser() : null;
      const open: Open = { link, channel, release, marker, becomeMarker };
      await new Promise<void>((resolve, reject) => {
        const ready = (): boolean => marker.complete && (!becomeMarker || becomeMarker.complete);
        let said = '';
        channel.on('data', (chunk: Buffer) => this.onData('out', chunk));
        channel.stderr.on('data', (chunk: Buffer) => {
          const wasReady = ready();
          const afterPgid = marker.push(chunk);
          const rest = becomeMarker ? becomeMarker.push(afterPgid) : afterPgid;
          if (marker.complete && link.backstop === 'detect' && marker.backstop)
            link.backstop = marker.backstop;
          if (wasReady) this.onData('err', rest);
          else said += rest.toString('utf8');
          if (!wasReady && ready()) resolve();
        });
        channel.on('close', () => {
          this.dead = true;
          if (!ready()) {
            reject(
              link.alive
                ? new ChannelError(
                    `the session shell on ${describeTarget(link.target)} ended before it started: ${said.trim().slice(0, 300)}`,
                  )
                : new ConnectionLostError(`connection to ${describeTarget(link.target)} lost`),
            );
          }
          // A script still running: it ends here, with what it printed (the caller says "not finished").
          this.round?.done();
        });
      });
      return open;
    } catch (err) {
      release();
      throw err;
    }
  }

  private send(
    open: Open,
    script: string,
    args: readonly string[],
    options: RunScriptOptions,
    started: number,
  ): Promise<RunResult> {
    const maxOutputBytes = resolveMaxOutputBytes(options.maxOutputBytes);
    const token = randomBytes(12).toString('hex');
    const { link, channel } = open;
    return new Promise<RunResult>((resolve, reject) => {
      let stopping: 'timeout' | 'abort' | null = null;
      let settled = false;
      const round: Round = {
        token,
        stdout: new CappedBuffer(maxOutputBytes),
        stderr: new CappedBuffer(maxOutputBytes),
        tails: { out: '', err: '' },
        code: null,
        outDone: false,
        errDone: false,
        done: () => finish(),
      };
      const closing = this.owner.closing();
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        closing.removeEventListener('abort', onAbort);
        unsubscribe();
        if (this.round === round) this.round = null;
      };
      const finish = (): void => {
        if (settled) return;
        settled = true;
        cleanup();
        if (stopping === 'abort') {
          reject(new RunAbortedError(`run on ${this.host} aborted`));
          return;
        }
        const complete = round.outDone && round.errDone;
        resolve({
          stdout: withoutMarker(round.stdout.text(), token, true),
          stderr: withoutMarker(round.stderr.text(), token, false),
          code: stopping || !complete ? null : round.code,
          timedOut: stopping === 'timeout',
          truncated: round.stdout.truncated || round.stderr.truncated,
          ms: Date.now() - started,
          bytes: round.stdout.seen + round.stderr.seen,
        });
      };
      const stop = (why: 'timeout' | 'abort'): void => {
        if (settled || stopping) return;
        stopping = why;
        this.dead = true;
        const kill = killCommandOf(open);
        void killRemote(link, channel, kill, true, this.owner.killSlots).then((problem) => {
          if (problem) round.stderr.push(Buffer.from(`\n[fpm-medic] ${problem}\n`));
          open.release();
          finish();
        });
      };
      const remaining = options.timeoutMs - (Date.now() - started);
      const timer = setTimeout(() => stop('timeout'), Math.max(remaining, 1));
      const onAbort = (): void => stop('abort');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      closing.addEventListener('abort', onAbort, { once: true });
      const unsubscribe = link.onLost((err) => {
        this.dead = true;
        if (stopping) {
          finish();
          return;
        }
        if (settled) return;
        settled = true;
        cleanup();
        reject(err);
      });
      if (options.signal?.aborted || closing.aborted) {
        onAbort();
        return;
      }
      this.round = round;
      channel.write(roundText(script, args, token));
    });
  }

  /** A chunk of the running script's output; its end marker, once on both streams, ends it. */
  private onData(stream: 'out' | 'err', chunk: Buffer): void {
    const round = this.round;
    if (!round) return;
    (stream === 'out' ? round.stdout : round.stderr).push(chunk);
    const tail = (round.tails[stream] + chunk.toString('latin1')).slice(-TAIL);
    round.tails[stream] = tail;
    if (stream === 'out') {
      const m = new RegExp(`\\n@@round-end ${round.token} (\\d+)\\n$`).exec(tail);
      if (m) {
        round.outDone = true;
        round.code = Number(m[1]);
      }
    } else if (tail.endsWith(`\n@@round-end ${round.token}\n`)) {
      round.errDone = true;
    }
    if (round.outDone && round.errDone) round.done();
  }
}

function killCommandOf(open: Open): string | null {
  const { marker, becomeMarker } = open;
  if (marker.pgid === null) return null;
  if (!becomeMarker) return buildKillCommand(marker.pgid);
  const groups = becomeMarker.pid === null ? [marker.pgid] : [becomeMarker.pid, marker.pgid];
  return buildBecomeKillCommand(groups);
}

/** What the session's shell reads for one script (see the top of this file). */
export function roundText(script: string, args: readonly string[], token: string): string {
  const set = args.length > 0 ? `set -- ${args.map((a) => quoteArg(a)).join(' ')}` : 'set --';
  const body = script.endsWith('\n') ? script : `${script}\n`;
  return `(\n${set}\n${body})\nprintf '\\n@@round-end ${token} %s\\n' "$?"; printf '\\n@@round-end ${token}\\n' >&2\n`;
}

function withoutMarker(text: string, token: string, withCode: boolean): string {
  const marker = withCode
    ? new RegExp(`\\n@@round-end ${token} \\d+\\n$`)
    : new RegExp(`\\n@@round-end ${token}\\n$`);
  return text.replace(marker, '');
}
