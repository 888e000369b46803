import { randomBytes } from 'node:crypto';

/**
 * The braces make the prefix a Redis Cluster hash tag: every key of the queue, and our reply lists,
 * hash to one slot, which BullMQ's multi-key scripts and our MULTI need.
 */
export const DEFAULT_PREFIX = '{fpm-medic}';
export const DEFAULT_QUEUE_NAME = 'diagnose';
export const JOB_NAME = 'diagnose';

/**
 * Several hosts diagnosed as one job (an alert storm on part of a group): their names joined by
 * "+", which no inventory name contains, so such a target never meets a host's or group's dedup id.
 */
export const MULTI_HOST_SEPARATOR = '+';

export function multiHostTarget(hosts: readonly string[]): string {
  return hosts.join(MULTI_HOST_SEPARATOR);
}

/** The host names of a multi-host target; undefined for a plain host or group name. */
export function multiHostNames(target: string): string[] | undefined {
  return target.includes(MULTI_HOST_SEPARATOR) ? target.split(MULTI_HOST_SEPARATOR) : undefined;
}

/** Two asks are "the same diagnosis" when target and window match. */
export function dedupIdOf(target: string, windowSec: number): string {
  return `${target}@${windowSec}`;
}

export function repliesKey(prefix: string, queueName: string, dedupId: string): string {
  return `${prefix}:${queueName}:replies:${dedupId}`;
}

/**
 * Our own id (not BullMQ's counter) so that a returned id different from it means "deduplicated".
 * Readable in Redis and logs; no ':' because BullMQ reserves it in custom ids.
 */
export function newJobId(dedupId: string, now: number): string {
  return `${dedupId}-${now}-${randomBytes(4).toString('hex')}`;
}
