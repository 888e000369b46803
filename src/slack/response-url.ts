import type { SlackMessage } from './blocks/elements.js';

/**
 * Answers through a slash command's response_url: the one way to reach the asker when the bot
 * cannot post in the channel (not invited, archived). The URL comes from Slack's signed request;
 * it is only ever used when it points at Slack (or at SLACK_API_URL's host, for a local fake).
 */
export interface ResponseUrlOptions {
  /** SLACK_API_URL, when set: its origin is accepted as well. */
  apiUrl?: string;
  /** Attempts in all (a 429 waits its Retry-After, a 5xx a short back-off). */
  attempts?: number;
  timeoutMs?: number;
}

const SLACK_HOOKS = 'https://hooks.slack.com';
const MAX_RETRY_AFTER_S = 30;

export function responseUrlAllowed(url: string, apiUrl?: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.origin === SLACK_HOOKS) return true;
  return apiUrl !== undefined && u.origin === new URL(apiUrl).origin;
}

/** Posts `message` ephemerally to the asker; resolves false when it could not be delivered. */
export async function postToResponseUrl(
  url: string,
  message: SlackMessage,
  options: ResponseUrlOptions = {},
): Promise<boolean> {
  if (!responseUrlAllowed(url, options.apiUrl)) return false;
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let status = 0;
    let retryAfterS = 0;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await res.text();
      status = res.status;
      if (res.ok) return true;
      retryAfterS = Number(res.headers.get('retry-after') ?? 0);
    } catch {
      status = 0; // network error or timeout: retried like a 5xx
    }
    const retriable = status === 0 || status === 429 || status >= 500;
    if (!retriable || attempt === attempts) return false;
    const waitMs =
      status === 429 && retryAfterS > 0
        ? Math.min(retryAfterS, MAX_RETRY_AFTER_S) * 1000
        : 500 * 2 ** attempt;
    await new Promise((r) => setTimeout(r, waitMs));
  }
  return false;
}

const UNREACHABLE = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);

/** Slack's error when the bot cannot post in a channel at all, else undefined. */
export function channelUnreachable(err: unknown): string | undefined {
  const code = (err as { data?: { error?: unknown } })?.data?.error;
  return typeof code === 'string' && UNREACHABLE.has(code) ? code : undefined;
}
