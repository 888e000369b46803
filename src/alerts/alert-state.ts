/**
 * The alert state in Redis (alert-keys.ts): every step that must be atomic across `serve`
 * processes is one Lua script (state-scripts.ts). Nothing here talks to Slack or the queue.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { alertKeys } from './alert-keys.js';
import { CLAIM, COMMIT_GATHER, DONE, INGEST, TOUCH_THREAD } from './state-scripts.js';
import type { AlertStatus, AlertSummary, AlertThreadEvent } from './types.js';

export interface AlertStateTimings {
  /** alerts.windowMinutes, in seconds. */
  windowSec: number;
  /** alerts.gatherSeconds, in milliseconds (at least 1). */
  gatherMs: number;
  /** A thread's message is updated at most this often while alerts pour in. */
  debounceMs: number;
  /** How long incidents and threads are kept after their last alert (late resolutions, counts). */
  retainSec: number;
  /** A claimed work item another process may take over after this long. */
  leaseMs: number;
  /** The gathering window is closed this long after it ends, so its last alerts are in. */
  gatherMarginMs: number;
}

export interface IngestInput {
  /** Undefined: the alert maps to no inventory host. */
  host: string | undefined;
  status: AlertStatus;
  fingerprint: string;
  alertname: string;
  channel: string;
  summary: AlertSummary;
  startsAt?: number;
  /** What the "unmapped" message needs (JSON), for unmapped alerts. */
  unmapped?: string;
}

export type IngestKind = 'created' | 'joined' | 'late' | 'orphan' | 'unmapped-new' | 'unmapped-seen';

export interface IngestResult {
  kind: IngestKind;
  incident: string;
  thread: string;
}

export interface Claimed {
  member: string;
  lease: number;
  attempts: number;
}

export interface IncidentState {
  id: string;
  host: string;
  channel: string;
  /** Firing notifications counted. */
  count: number;
  summary: AlertSummary;
  startsAt?: number;
  createdAt: number;
  /** Distinct alerts firing now, and resolved. */
  firing: number;
  resolved: number;
  names: Record<string, number>;
}

export interface ThreadState {
  id: string;
  channel: string;
  /** The alert message's ts; '' until posted. */
  ts: string;
  group: string;
  createdAt: number;
  ver: number;
  queued: string;
  allResolved: string;
  target: string;
  label: string;
  incidents: IncidentState[];
  /** Changes not yet told in the thread, oldest first. */
  events: AlertThreadEvent[];
}

type Scripted = {
  fpmAlertIngest(...args: (string | number)[]): Promise<[string, string, string]>;
  fpmAlertClaim(...args: (string | number)[]): Promise<(string | number)[]>;
  fpmAlertDone(...args: (string | number)[]): Promise<number>;
  fpmAlertCommitGather(...args: (string | number)[]): Promise<number>;
  fpmAlertTouch(...args: (string | number)[]): Promise<number>;
};

const SCRIPTS: Record<keyof Scripted, string> = {
  fpmAlertIngest: INGEST,
  fpmAlertClaim: CLAIM,
  fpmAlertDone: DONE,
  fpmAlertCommitGather: COMMIT_GATHER,
  fpmAlertTouch: TOUCH_THREAD,
};

function defineScripts(redis: Redis): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  }
}

const num = (v: string | undefined | null) => (v ? Number(v) : 0);

export class AlertState {
  private readonly keys: ReturnType<typeof alertKeys>;

  constructor(
    private readonly redis: Redis,
    readonly base: string,
    readonly timings: AlertStateTimings,
  ) {
    this.keys = alertKeys(base);
    defineScripts(redis);
  }

  private get scripts(): Scripted {
    return this.redis as unknown as Scripted;
  }

  /** Records every alert of a delivery, in order, in one round trip. */
  async ingest(items: readonly IngestInput[], now: number, ids: () => string): Promise<IngestResult[]> {
    if (items.length === 0) return [];
    const t = this.timings;
    const pipeline = this.redis.pipeline() as ChainableCommander & Scripted;
    for (const item of items) {
      pipeline.fpmAlertIngest(
        this.base,
        item.host ?? '',
        item.status,
        item.fingerprint,
        item.alertname,
        now,
        t.windowSec,
        t.gatherMs,
        ids(),
        ids(),
        JSON.stringify(item.summary),
        item.channel,
        item.startsAt ?? '',
        t.debounceMs,
        t.retainSec,
        item.unmapped ?? '',
        t.gatherMarginMs,
      );
    }
    const results = await (pipeline as ChainableCommander).exec();
    if (!results) throw new Error('Redis pipeline aborted');
    return results.map(([err, value]) => {
      if (err) throw err;
      const [kind, incident, thread] = value as [IngestKind, string, string];
      return { kind, incident, thread };
    });
  }

  async claim(now: number, limit: number): Promise<Claimed[]> {
    const lease = now + this.timings.leaseMs;
    const flat = await this.scripts.fpmAlertClaim(this.base, now, lease, limit);
    const out: Claimed[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ member: String(flat[i]), lease, attempts: Number(flat[i + 1]) });
    }
    return out;
  }

  /** 0: the lease was lost, 1: done, 2: put back (the thread changed while it was rendered). */
  done(item: Claimed, now: number, renderedVersion?: number): Promise<number> {
    return this.scripts.fpmAlertDone(
      this.base,
      item.member,
      item.lease,
      now,
      this.timings.debounceMs,
      renderedVersion === undefined ? '' : renderedVersion,
    );
  }

  async gathered(gatherId: string): Promise<{ id: string; host: string; channel: string; thread: string }[]> {
    const ids = await this.redis.smembers(this.keys.gather(gatherId));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.inc(id), 'host', 'channel', 'thread');
    const rows = (await pipeline.exec()) ?? [];
    return ids.flatMap((id, i) => {
      const [err, v] = rows[i] ?? [new Error('missing reply'), null];
      if (err) throw err;
      const [host, channel, thread] = v as (string | null)[];
      return host && channel ? [{ id, host, channel, thread: thread ?? '' }] : [];
    });
  }

  commitGather(
    gatherId: string,
    plan: readonly { id: string; channel: string; group?: string; incidents: readonly string[] }[],
    now: number,
  ): Promise<number> {
    return this.scripts.fpmAlertCommitGather(
      this.base,
      gatherId,
      now,
      this.timings.retainSec,
      JSON.stringify(plan),
    );
  }

  touchThread(threadId: string, now: number): Promise<number> {
    return this.scripts.fpmAlertTouch(this.base, threadId, now);
  }

  async version(threadId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.thread(threadId), 'ver')) ?? 0);
  }

  async setThread(threadId: string, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(this.keys.thread(threadId), fields);
  }

  /** Drops the first `n` events: they have been told in the thread. */
  async takeEvents(threadId: string, n: number): Promise<void> {
    if (n > 0) await this.redis.ltrim(this.keys.threadEvents(threadId), n, -1);
  }

  async unmapped(fingerprint: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.unmapped(fingerprint))) ?? undefined;
  }

  async thread(threadId: string): Promise<ThreadState | undefined> {
    const [t, events] = await Promise.all([
      this.redis.hgetall(this.keys.thread(threadId)),
      this.redis.lrange(this.keys.threadEvents(threadId), 0, -1),
    ]);
    if (!t['channel']) return undefined;
    const ids = JSON.parse(t['incidents'] ?? '[]') as string[];
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.hgetall(this.keys.inc(id));
      pipeline.hgetall(this.keys.incNames(id));
      pipeline.scard(this.keys.incFiring(id));
      pipeline.scard(this.keys.incResolved(id));
    }
    const rows = (await pipeline.exec()) ?? [];
    const value = (i: number) => {
      const [err, v] = rows[i] ?? [new Error('missing reply'), null];
      if (err) throw err;
      return v;
    };
    const incidents: IncidentState[] = [];
    ids.forEach((id, i) => {
      const inc = value(4 * i) as Record<string, string>;
      if (!inc['host']) return; // expired
      const names = value(4 * i + 1) as Record<string, string>;
      incidents.push({
        id,
        host: inc['host'],
        channel: inc['channel'] ?? t['channel']!,
        count: num(inc['count']),
        summary: JSON.parse(inc['summary'] ?? '{}') as AlertSummary,
        ...(inc['startsAt'] ? { startsAt: Number(inc['startsAt']) } : {}),
        createdAt: num(inc['createdAt']),
        firing: Number(value(4 * i + 2)),
        resolved: Number(value(4 * i + 3)),
        names: Object.fromEntries(Object.entries(names).map(([k, v]) => [k, Number(v)])),
      });
    });
    return {
      id: threadId,
      channel: t['channel'],
      ts: t['ts'] ?? '',
      group: t['group'] ?? '',
      createdAt: num(t['createdAt']),
      ver: num(t['ver']),
      queued: t['queued'] ?? '',
      allResolved: t['allResolved'] ?? '',
      target: t['target'] ?? '',
      label: t['label'] ?? '',
      incidents,
      events: events.flatMap((e) => {
        try {
          return [JSON.parse(e) as AlertThreadEvent];
        } catch {
          return [];
        }
      }),
    };
  }
}
