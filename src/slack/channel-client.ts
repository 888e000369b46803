import { type RetryOptions, type WebAPICallResult, WebClient, WebClientEvent } from '@slack/web-api';

/**
 * A WebClient that keeps Slack's limits per channel instead of per process.
 *
 * @slack/web-api answers a 429 by pausing its whole request queue for the Retry-After, and retries
 * 5xx and timeouts for about 30 minutes. For a bot serving many channels both are wrong: one busy
 * channel (an alert storm) would hold every other host's report, and a diagnosis job would wait half
 * an hour on Slack. So each channel gets a lane of its own: a WebClient with one request at a time
 * (messages to a channel arrive in the order they were sent), whose 429 pause holds only that
 * channel, with a short back-off for 5xx and timeouts; calls without a channel share one more lane.
 * A channel's calls run one after the other, retries included, so they arrive in order.
 * New messages are paced per channel as Slack asks (about one per second, short bursts allowed),
 * so a storm of threads into one channel queues up instead of collecting 429s. After the last
 * retry the call fails to its caller (which logs it) and `onFailure` counts it.
 */
export interface ChannelClientOptions {
  slackApiUrl?: string;
  /** Back-off for 5xx, network errors and timeouts; a 429's Retry-After is always honoured. */
  retryConfig?: RetryOptions;
  /** One HTTP request's limit, ms. */
  timeoutMs?: number;
  /** A call that failed for good: the method and Slack's error code (or the HTTP/network error). */
  onFailure?: (method: string, error: string) => void;
  /** Lanes kept; the least recently used is dropped beyond it. */
  maxLanes?: number;
  /** New messages per channel: a burst, then one per `intervalMs`. */
  pacing?: { burst: number; intervalMs: number };
}

/** About 25 s in all: a report that cannot reach Slack in that time is logged, not waited on. */
export const DEFAULT_DELIVERY_RETRY: RetryOptions = {
  retries: 5,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 10_000,
  randomize: true,
};
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_LANES = 1_000;
/** api.slack.com/apis/rate-limits: chat.postMessage allows about one message per second per channel. */
export const DEFAULT_PACING = { burst: 3, intervalMs: 1_000 };
/** Methods that add a message to a channel, which Slack limits per channel. */
const PACED = new Set(['chat.postMessage']);

/**
 * A token bucket per channel (a burst, then one message per interval); its lane calls it one call
 * at a time, so it needs no queue of its own. After a 429 it turns strict: each message waits a
 * full interval after the previous one ended, until the channel has been quiet for a burst's worth.
 */
class Pacer {
  private tokens: number;
  private refilledAt = Date.now();
  private strictUntil = 0;
  private lastDoneAt = 0;

  constructor(private readonly pacing: { burst: number; intervalMs: number }) {
    this.tokens = pacing.burst;
  }

  async take(): Promise<void> {
    const { burst, intervalMs } = this.pacing;
    if (Date.now() < this.strictUntil) {
      // 5% over the interval: Slack counts arrivals, and ours are measured at the other end.
      await sleep(this.lastDoneAt + intervalMs * 1.05 - Date.now());
      return;
    }
    const now = Date.now();
    this.tokens = Math.min(burst, this.tokens + (now - this.refilledAt) / intervalMs);
    this.refilledAt = now;
    if (this.tokens < 1) {
      await sleep((1 - this.tokens) * intervalMs);
      this.tokens = 1;
      this.refilledAt = Date.now();
    }
    this.tokens -= 1;
  }

  /** A message of this channel's was sent (or given up on). */
  done(): void {
    this.lastDoneAt = Date.now();
    if (this.strictUntil > 0) {
      this.strictUntil = Math.max(
        this.strictUntil,
        this.lastDoneAt + this.pacing.burst * this.pacing.intervalMs,
      );
      this.tokens = 0;
      this.refilledAt = this.lastDoneAt;
    }
  }

  /** Slack said 429 for this channel. */
  limited(): void {
    this.strictUntil = Date.now() + this.pacing.burst * this.pacing.intervalMs;
    this.tokens = 0;
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

interface Lane {
  client: WebClient;
  pacer: Pacer;
  /**
   * The channel's last call, retries included. The next waits for it: the SDK re-queues a retried
   * request behind later ones, so its own queue cannot keep a channel's messages in order.
   */
  tail: Promise<unknown>;
}

/** Slack's error code of a failed call: the platform error, the HTTP status, or the error's code. */
export function slackErrorCode(err: unknown): string {
  const e = err as { data?: { error?: unknown }; statusCode?: unknown; code?: unknown } | undefined;
  if (typeof e?.data?.error === 'string') return e.data.error;
  if (typeof e?.statusCode === 'number') return `http_${e.statusCode}`;
  if (typeof e?.code === 'string') return e.code;
  return 'unknown';
}

export class ChannelWebClient extends WebClient {
  private readonly lanes = new Map<string, Lane>();
  private readonly shared: Lane;

  constructor(
    private readonly botToken: string | undefined,
    private readonly options: ChannelClientOptions = {},
  ) {
    // Its own requests are only files.uploadV2's upload to Slack's URL (every API call goes through
    // a lane): they keep the lanes' back-off and timeout, not the SDK's half hour of retries.
    super(botToken, {
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      retryConfig: options.retryConfig ?? DEFAULT_DELIVERY_RETRY,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    this.shared = this.newLane(4);
  }

  override async apiCall(method: string, args: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    const channel = typeof args.channel === 'string' && args.channel ? args.channel : undefined;
    try {
      if (!channel) return await this.shared.client.apiCall(method, args);
      const lane = this.lane(channel);
      const call = lane.tail.then(async () => {
        if (!PACED.has(method)) return lane.client.apiCall(method, args);
        await lane.pacer.take();
        try {
          return await lane.client.apiCall(method, args);
        } finally {
          lane.pacer.done();
        }
      });
      lane.tail = call.catch(() => {});
      return await call;
    } catch (err) {
      this.options.onFailure?.(method, slackErrorCode(err));
      throw err;
    }
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (lane) {
      // Most recently used last, so the first key is the one to drop.
      this.lanes.delete(channel);
    } else {
      lane = this.newLane(1);
      const max = this.options.maxLanes ?? DEFAULT_MAX_LANES;
      if (this.lanes.size >= max) this.lanes.delete(this.lanes.keys().next().value!);
    }
    this.lanes.set(channel, lane);
    return lane;
  }

  private newLane(concurrency: number): Lane {
    const client = new WebClient(this.botToken, {
      ...(this.options.slackApiUrl ? { slackApiUrl: this.options.slackApiUrl } : {}),
      retryConfig: this.options.retryConfig ?? DEFAULT_DELIVERY_RETRY,
      timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxRequestConcurrency: concurrency,
    });
    const pacer = new Pacer(this.options.pacing ?? DEFAULT_PACING);
    client.on(WebClientEvent.RATE_LIMITED, () => pacer.limited());
    return { client, pacer, tail: Promise.resolve() };
  }
}
