/**
 * How fpm-medic runs commands on a host. Two implementations: SSH (node-ssh, pinned host keys)
 * and local (child_process, for `address: local`). Both run only scripts from commands/, streamed
 * to `sh -s -- ARGS` with ARGS validated and shell-quoted by the transport.
 */

export interface RunScriptOptions {
  /** Hard limit: the remote process group is killed when it passes (not only the wait). */
  timeoutMs: number;
  /** Cap on captured stdout bytes; the rest is discarded and `truncated` set. */
  maxOutputBytes?: number;
  /** Aborts the run early (the remote process is killed as on timeout). */
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code of the script; null when it was killed or the connection dropped. */
  code: number | null;
  timedOut: boolean;
  truncated: boolean;
  /** Wall time in milliseconds. */
  ms: number;
  /** Bytes received from the host (stdout + stderr, before truncation). */
  bytes: number;
}

export interface Transport {
  /** Inventory name of the host. */
  readonly host: string;
  /**
   * Streams `script` to `sh -s -- ...args` on the host. Args must match SAFE_ARG (see shell-quote.ts)
   * or the call is refused before anything is sent.
   */
  runScript(script: string, args: readonly string[], options: RunScriptOptions): Promise<RunResult>;
  /** Closes the underlying connection; further calls reconnect. */
  close(): Promise<void>;
  /**
   * Where a channel costs the host a session (SSH): one whose runs share a single channel and
   * login shell, one after the other, for at most `budgetMs` in all; its close() frees the
   * channel, not the connection. Runs it can no longer carry take channels of their own.
   */
  openSession?(budgetMs: number): Transport;
}
