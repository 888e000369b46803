import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { type HttpResult, httpGet } from './http.js';

export interface TrafficOptions {
  /** Path on the lab's own listener (always 127.0.0.1). */
  path: string;
  /** Parallel clients. */
  concurrency: number;
  /** The generator stops by itself after this long... */
  durationMs: number;
  /** ...or after this many requests in total, whichever comes first. */
  maxRequests: number;
  /** Per-request client timeout. */
  timeoutMs: number;
  /** Pause after each request, so fast failures (instant 502s) do not turn into a busy loop. */
  pauseMs?: number;
}

export interface TrafficResult extends HttpResult {
  startedAt: number;
}

/** A bounded load generator: every loop ends at its deadline or its request budget, even if nobody stops it. */
export class Traffic {
  readonly results: TrafficResult[] = [];
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private sent = 0;

  constructor(
    private readonly port: number,
    readonly opts: TrafficOptions,
  ) {
    const deadline = Date.now() + opts.durationMs;
    // Every caller waits on the one stop signal (its request, then its pause): with more than ten
    // callers Node would warn of a listener leak that is only concurrency.
    setMaxListeners(opts.concurrency * 2 + 1, this.abort.signal);
    const loop = async () => {
      while (!this.abort.signal.aborted && Date.now() < deadline && this.sent < opts.maxRequests) {
        this.sent++;
        const startedAt = Date.now();
        const remaining = Math.max(1, deadline - startedAt);
        const r = await httpGet(this.port, opts.path, {
          timeoutMs: Math.min(opts.timeoutMs, remaining),
          signal: this.abort.signal,
        });
        if (r.error !== 'aborted') this.results.push({ ...r, startedAt });
        if (opts.pauseMs) await delay(opts.pauseMs, undefined, { signal: this.abort.signal }).catch(() => {});
      }
    };
    this.done = Promise.all(Array.from({ length: opts.concurrency }, loop)).then(() => {});
  }

  get inFlight(): number {
    return this.sent - this.results.length;
  }

  statuses(): number[] {
    return this.results.map((r) => r.status);
  }

  count(status: number): number {
    return this.results.filter((r) => r.status === status).length;
  }

  /** Abort every in-flight request (the client side closes) and wait for the loops to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
