import type { Redis } from 'ioredis';
import type { ActionRequest, RequestState } from './request.js';

/**
 * Action requests in Redis, moved from state to state only by compare-and-set in one Lua script:
 * of ten concurrent approvals, replays or retried jobs exactly one sees its transition succeed;
 * the others get the record as it now is, to tell their clicker what happened.
 */
const CREATE = `
local cur = redis.call('HGET', KEYS[1], 'data')
if cur then return {0, cur} end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, ARGV[2]}
`;

const TRANSITION = `
local cur = redis.call('HGET', KEYS[1], 'data')
if not cur then return {0, false} end
local state = redis.call('HGET', KEYS[1], 'state')
local allowed = cjson.decode(ARGV[1])
local ok = false
for _, s in ipairs(allowed) do if s == state then ok = true end end
if not ok then return {0, cur} end
local data = cjson.decode(cur)
local patch = cjson.decode(ARGV[3])
for k, v in pairs(patch) do data[k] = v end
data['state'] = ARGV[2]
local out = cjson.encode(data)
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'data', out)
return {1, out}
`;

/** Kept a week: a replayed click or a late retry must still find what happened. */
const REQUEST_TTL_MS = 7 * 24 * 3600 * 1000;

export interface TransitionResult {
  /** This caller moved it. */
  moved: boolean;
  /** The record after the call (undefined: no such request, e.g. long expired). */
  request: ActionRequest | undefined;
}

export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:action-request:${id}`;
  }

  /** Creates the request unless one with its id exists; returns whichever is stored. */
  async create(request: ActionRequest): Promise<{ created: boolean; request: ActionRequest }> {
    const [created, data] = (await this.redis.eval(
      CREATE,
      1,
      this.key(request.id),
      request.state,
      JSON.stringify(request),
      String(REQUEST_TTL_MS),
    )) as [number, string];
    return { created: created === 1, request: parse(data)! };
  }

  async get(id: string): Promise<ActionRequest | undefined> {
    return parse(await this.redis.hget(this.key(id), 'data'));
  }

  /**
   * Moves the request to `to` if it is in one of `from`, merging `patch` into it. Fields set to
   * undefined in the patch are left as they were (JSON drops them).
   */
  async transition(
    id: string,
    from: readonly RequestState[],
    to: RequestState,
    patch: Partial<ActionRequest> = {},
  ): Promise<TransitionResult> {
    const [moved, data] = (await this.redis.eval(
      TRANSITION,
      1,
      this.key(id),
      JSON.stringify(from),
      to,
      JSON.stringify(patch),
    )) as [number, string | null];
    return { moved: moved === 1, request: parse(data) };
  }

  /** Sets fields that are not part of the state machine (the approval message's ts). */
  async annotate(id: string, patch: Pick<Partial<ActionRequest>, 'messageTs' | 'threadTs'>): Promise<void> {
    const current = await this.get(id);
    if (!current) return;
    await this.transition(id, [current.state], current.state, patch);
  }
}

function parse(data: string | null | undefined): ActionRequest | undefined {
  if (!data) return undefined;
  const v = JSON.parse(data) as ActionRequest;
  // cjson turns an empty array into {}: keep lists lists.
  for (const k of ['hosts', 'results'] as const) {
    const list = v[k] as unknown;
    if (list && !Array.isArray(list)) (v as unknown as Record<string, unknown>)[k] = [];
  }
  for (const h of v.hosts) {
    if (h.workers && !Array.isArray(h.workers)) h.workers = [];
  }
  return v;
}
