/**
 * The exact command line sent over SSH, and the one that kills it.
 *
 * Why a process group: closing an SSH channel does not stop what it started (sshd keeps a non-pty
 * session's child running after the channel closes), and a probe may fork (`ss | awk`,
 * `find ... -exec`). Killing only the shell would leave those behind. OpenSSH's sshd calls
 * setsid() for every session child, so the login shell that runs our command is a process-group
 * leader and `$$` is the group id of everything the script starts. The wrapper reports it on
 * stderr before the script runs; on a client-side timeout or abort we open a fresh channel and
 * `kill -s KILL -- -PGID` the whole group. The client sends the script on stdin only after the
 * marker arrived, so every run that executes anything has a known group to kill.
 *
 * Why also coreutils `timeout`: the client-side kill needs a working connection. If the connection
 * drops or the bot dies mid-run, nothing would ever stop the group, so where GNU timeout exists
 * (`timeout --version` succeeds only for coreutils; BusyBox's option syntax differs) the script
 * also runs under `timeout -s KILL`, set a few seconds past the client's deadline so the client
 * normally wins and reports the timeout itself. GNU timeout keeps the child in our group (its own
 * setpgid fails for a session leader and is ignored), so the group kill still covers it.
 *
 * With `ssh.become: sudo` the shape is the same with sudo in the middle; become.ts has the why of
 * its kill and its backstop.
 */
import { BECOME_MARKER, type BecomeMethod, buildBecomeCommand } from './become.js';
import { assertSafeArgs, buildRemoteCommand, quoteArg } from './shell-quote.js';

export const PGID_MARKER = 'fpm-medic-pgid:';

/** Seconds the remote backstop waits past the client's deadline. */
export const REMOTE_BACKSTOP_GRACE_S = 5;

/**
 * What the host offers as a backstop: `detect` asks (one extra fork of `timeout --version`), and
 * the answer, reported in the marker, is remembered per connection so later channels skip it.
 */
export type RemoteBackstop = 'detect' | 'gnu' | 'none';

/**
 * With `become`, the login shell execs sudo instead, and the backstop runs inside it as root
 * (become.ts says why); the pgid marker and the group it names are the same.
 */
export function buildWrappedCommand(
  args: readonly string[],
  timeoutMs: number,
  backstop: RemoteBackstop = 'detect',
  become?: BecomeMethod,
): string {
  const seconds = Math.ceil(Math.max(timeoutMs, 1) / 1000) + REMOTE_BACKSTOP_GRACE_S;
  const run = (withBackstop: boolean): string => {
    if (become) {
      assertSafeArgs(args);
      return buildBecomeCommand(
        args.map((a) => quoteArg(a)),
        withBackstop ? seconds : null,
      );
    }
    const inner = buildRemoteCommand(args);
    return withBackstop ? `timeout -s KILL ${seconds} ${inner}` : inner;
  };
  const withTimeout = `echo "${PGID_MARKER}$$:gnu" >&2; exec ${run(true)}`;
  const plain = `echo "${PGID_MARKER}$$:none" >&2; exec ${run(false)}`;
  if (backstop === 'gnu') return withTimeout;
  if (backstop === 'none') return plain;
  return `if timeout --version >/dev/null 2>&1; then ${withTimeout}; fi; ${plain}`;
}

/**
 * Kills the group; falls back to the leader alone if the group is already gone. Refuses 0 and 1:
 * `kill -- -1` would signal every process the SSH user may signal.
 */
export function buildKillCommand(pgid: number): string {
  if (!Number.isSafeInteger(pgid) || pgid < 2) throw new Error(`refusing to kill process group ${pgid}`);
  return `kill -s KILL -- -${pgid} 2>/dev/null || kill -s KILL ${pgid} 2>/dev/null; exit 0`;
}

/**
 * Finds one marker line (`PREFIX<value>`) in the first bytes of stderr. A login shell's rc files
 * may print before it, so those lines are kept and only the marker line is removed. Subclasses
 * read the value.
 */
abstract class MarkerLineParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private done = false;

  constructor(private readonly prefix: string) {}

  /** True once the marker was found, or the search was given up. */
  get complete(): boolean {
    return this.done;
  }

  /** Max stderr bytes held back while looking for the marker. */
  static readonly SEARCH_LIMIT = 64 * 1024;

  /** The text after the prefix, up to the end of the line. */
  protected abstract accept(value: string): void;

  /** Feeds a stderr chunk; returns the bytes that belong to the script's stderr. */
  push(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const held = Buffer.concat(this.pending);
    const text = held.toString('latin1');
    const at = text.indexOf(this.prefix);
    if (at !== -1 && (at === 0 || text[at - 1] === '\n')) {
      const eol = text.indexOf('\n', at);
      if (eol === -1) return Buffer.alloc(0);
      this.accept(text.slice(at + this.prefix.length, eol));
      this.finish();
      return Buffer.concat([held.subarray(0, at), held.subarray(eol + 1)]);
    }
    if (this.pendingBytes > MarkerLineParser.SEARCH_LIMIT) {
      this.finish();
      return held;
    }
    return Buffer.alloc(0);
  }

  /** Whatever is still held back when the stream ends without a complete marker line. */
  flush(): Buffer {
    if (this.done) return Buffer.alloc(0);
    const held = Buffer.concat(this.pending);
    this.finish();
    return held;
  }

  private finish(): void {
    this.done = true;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** The login shell's process group and the backstop it found. */
export class PgidMarkerParser extends MarkerLineParser {
  pgid: number | null = null;
  /** The backstop the wrapper found, when it reported one. */
  backstop: Exclude<RemoteBackstop, 'detect'> | null = null;

  constructor() {
    super(PGID_MARKER);
  }

  protected accept(value: string): void {
    const m = /^(\d+)(?::(gnu|none))?$/.exec(value);
    if (!m) return;
    this.pgid = Number(m[1]);
    if (m[2]) this.backstop = m[2] as 'gnu' | 'none';
  }
}

/**
 * The root shell sudo started (become.ts): its pid, which is also the process group of the
 * script when GNU timeout runs it.
 */
export class BecomeMarkerParser extends MarkerLineParser {
  pid: number | null = null;

  constructor() {
    super(BECOME_MARKER);
  }

  protected accept(value: string): void {
    if (/^\d+$/.test(value)) this.pid = Number(value);
  }
}
