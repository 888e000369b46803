import type { Redis } from 'ioredis';
import type { ReplyTarget } from './types.js';

/**
 * A failed drain (a worker dying between finishing a job and answering) leaves its askers here for
 * the next run of the same diagnosis; the TTL bounds how stale such a late answer can be and
 * keeps abandoned lists from accumulating.
 */
export const REPLIES_TTL_SEC = 24 * 3600;

export async function pushReply(redis: Redis, key: string, target: ReplyTarget): Promise<void> {
  const res = await redis.multi().rpush(key, JSON.stringify(target)).expire(key, REPLIES_TTL_SEC).exec();
  const failed = res?.find(([err]) => err);
  if (!res || failed) throw failed?.[0] ?? new Error('MULTI aborted');
}

/**
 * Best effort, for an ask refused after its reply target was stored: without it the refused asker
 * would get an answer from the next run of the same diagnosis, after being told to retry.
 */
export async function withdrawReply(redis: Redis, key: string, target: ReplyTarget): Promise<void> {
  await redis.lrem(key, -1, JSON.stringify(target)).catch(() => {});
}

/**
 * Takes every waiting asker at once: LRANGE and DEL in one MULTI, so an ask pushed concurrently
 * lands either in this batch or in the list the next job drains, never in neither or both.
 */
export async function drainReplies(redis: Redis, key: string): Promise<ReplyTarget[]> {
  const res = await redis.multi().lrange(key, 0, -1).del(key).exec();
  const [rangeErr, items] = res?.[0] ?? [new Error('MULTI aborted'), null];
  if (rangeErr) throw rangeErr;
  return (items as string[]).map((s) => JSON.parse(s) as ReplyTarget);
}
