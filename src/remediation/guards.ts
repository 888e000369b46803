import type { Redis } from 'ioredis';
import type { ActionId } from '../runbooks/ids.js';

/**
 * The limits around an action, all in Redis so they hold across bot and worker processes:
 * - cooldown: after an action is approved on a host, the same action is refused there for a while;
 * - one action at a time per host;
 * - blast radius: at most K hosts of one group are acted on at once.
 */
export interface CooldownHolder {
  requestId: string;
  by: string;
  at: number;
}

export type CooldownResult =
  | { acquired: true }
  | { acquired: false; holder: CooldownHolder; untilMs: number };

const RELEASE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if v and string.find(v, ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end
return 0
`;

// Members are hosts, scores the time their lease runs out: a worker that dies frees its slot then.
const ACQUIRE_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  return {}
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {}
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

export class ActionGuards {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private cooldownKey(action: ActionId, host: string) {
    return `${this.prefix}:cooldown:${action}:${host}`;
  }

  private hostKey(host: string) {
    return `${this.prefix}:acting:${host}`;
  }

  private runKey(requestId: string) {
    return `${this.prefix}:action-run:${requestId}`;
  }

  /**
   * The lease of the process running a request, renewed while it runs. Taken before the request
   * moves to running, so another executor that finds it running can tell a live run (lease held:
   * leave it alone) from a dead one (lease gone: interrupted).
   */
  async takeRun(requestId: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.runKey(requestId), String(process.pid), 'PX', leaseMs, 'NX')) === 'OK';
  }

  async renewRun(requestId: string, leaseMs: number): Promise<void> {
    await this.redis.pexpire(this.runKey(requestId), leaseMs);
  }

  async releaseRun(requestId: string): Promise<void> {
    await this.redis.del(this.runKey(requestId));
  }

  private groupKey(group: string) {
    return `${this.prefix}:acting-group:${group}`;
  }

  /** Atomic: of concurrent approvals for one host and action, one gets it. 0 minutes: no cooldown. */
  async acquireCooldown(
    action: ActionId,
    host: string,
    minutes: number,
    holder: CooldownHolder,
  ): Promise<CooldownResult> {
    if (minutes <= 0) return { acquired: true };
    const key = this.cooldownKey(action, host);
    const ok = await this.redis.set(key, JSON.stringify(holder), 'PX', minutes * 60_000, 'NX');
    if (ok === 'OK') return { acquired: true };
    const [value, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (!value) return this.acquireCooldown(action, host, minutes, holder);
    return {
      acquired: false,
      holder: JSON.parse(value) as CooldownHolder,
      untilMs: this.now() + Math.max(ttl, 0),
    };
  }

  /** Lifts a cooldown this request set (nothing changed on the host: a refused pre-check). */
  async releaseCooldown(action: ActionId, host: string, requestId: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, this.cooldownKey(action, host), requestId);
  }

  /** One action at a time on a host; the lease outlives a dead worker by at most `leaseMs`. */
  async lockHost(host: string, requestId: string, leaseMs: number): Promise<string | undefined> {
    const key = this.hostKey(host);
    if ((await this.redis.set(key, requestId, 'PX', leaseMs, 'NX')) === 'OK') return undefined;
    return (await this.redis.get(key)) ?? undefined;
  }

  async unlockHost(host: string, requestId: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, this.hostKey(host), requestId);
  }

  /**
   * Takes one of the group's K slots for `host`. Returns the hosts holding them when none is free.
   */
  async acquireGroupSlot(group: string, host: string, max: number, leaseMs: number): Promise<string[]> {
    const now = this.now();
    return (await this.redis.eval(
      ACQUIRE_SLOT,
      1,
      this.groupKey(group),
      String(now),
      String(max),
      host,
      String(now + leaseMs),
      String(leaseMs),
    )) as string[];
  }

  async releaseGroupSlot(group: string, host: string): Promise<void> {
    await this.redis.zrem(this.groupKey(group), host);
  }
}
