/**
 * Who is in a Slack user group. Policy rules name groups (S0123ABCD) so on-call rotations stay in
 * Slack; the members are fetched (usergroups.users.list, wired by the Slack layer) and cached.
 */
import { GroupMembershipError } from './errors.js';

export interface GroupMembership {
  /** User ids of the group's members; rejects when they cannot be known. */
  usersOf(groupId: string): Promise<readonly string[]>;
}

export type GroupFetch = (groupId: string) => Promise<readonly string[]>;

interface Entry {
  users: readonly string[];
  fetchedAt: number;
  /** When the last refresh failed; the stale list is served without retrying until retryMs after. */
  failedAt?: number;
}

/** How long a failed refresh is not retried while a stale answer is served, at most. */
const RETRY_MS = 30_000;

/**
 * Caches each group's members for `ttlMs`. Concurrent lookups of one group share one fetch (a
 * burst of button clicks is one API call). When a refresh fails the last known members are
 * served - an outage or rate limit at Slack must not lock the on-call engineer out mid-incident -
 * and the refresh is retried after min(ttlMs, 30 s). With nothing cached, the lookup rejects with
 * a GroupMembershipError, and the policy denies with that reason.
 */
export class CachedGroupMembership implements GroupMembership {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<readonly string[]>>();
  private readonly retryMs: number;

  constructor(
    private readonly fetch: GroupFetch,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`ttlMs must be >= 0, got ${ttlMs}`);
    this.retryMs = Math.min(ttlMs, RETRY_MS);
  }

  usersOf(groupId: string): Promise<readonly string[]> {
    const entry = this.entries.get(groupId);
    if (entry && this.isUsable(entry)) return Promise.resolve(entry.users);
    const inFlight = this.pending.get(groupId);
    if (inFlight) return inFlight;
    // `finally` runs after `set` even when fetch throws synchronously, so nothing stays pending.
    const started = this.refresh(groupId, entry).finally(() => this.pending.delete(groupId));
    this.pending.set(groupId, started);
    return started;
  }

  private isUsable(entry: Entry): boolean {
    const now = this.now();
    if (now - entry.fetchedAt < this.ttlMs) return true;
    return entry.failedAt !== undefined && now - entry.failedAt < this.retryMs;
  }

  private async refresh(groupId: string, stale: Entry | undefined): Promise<readonly string[]> {
    try {
      const users = await this.fetch(groupId);
      if (!Array.isArray(users) || !users.every((u) => typeof u === 'string')) {
        throw new TypeError('the member list is not a list of user ids');
      }
      const entry: Entry = { users: Object.freeze([...users]), fetchedAt: this.now() };
      this.entries.set(groupId, entry);
      return entry.users;
    } catch (err) {
      if (!stale) throw new GroupMembershipError(groupId, err);
      stale.failedAt = this.now();
      return stale.users;
    }
  }
}
