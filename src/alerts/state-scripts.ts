/**
 * The alert state's atomic steps, as Lua run by Redis: several `serve` processes take webhooks at
 * once, and each step must see and change the state as one. Keys are built from ARGV[1] (the
 * base, which carries the hash tag), as alert-keys.ts documents.
 */

/**
 * One alert. ARGV: base, host ('' = unmapped), status, fingerprint, alertname, now, windowSec,
 * gatherMs, newIncidentId, newGatherId, summaryJson, channel, startsAt ('' = unknown), debounceMs,
 * retainSec, unmappedJson, gatherMarginMs.
 * Returns {kind, incident, thread}: kind created | joined | late | orphan | unmapped-new | unmapped-seen.
 */
export const INGEST = `
local base, host, status, fp, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local now, window, gatherMs = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local debounce, retain = tonumber(ARGV[14]), tonumber(ARGV[15])
local due = base .. ':due'
local MAXFP, MAXNAMES, MAXEVENTS = 1000, 100, 200

if host == '' then
  if redis.call('SET', base .. ':unmapped:' .. fp, ARGV[16], 'NX', 'EX', window) then
    redis.call('ZADD', due, now, 'unmapped:' .. fp)
    return {'unmapped-new', '', ''}
  end
  return {'unmapped-seen', '', ''}
end

local hostKey, lastKey = base .. ':host:' .. host, base .. ':last:' .. host
local inc = redis.call('GET', hostKey)
local kind = 'joined'
if not inc then
  if status ~= 'firing' then
    -- A resolution after the window: it still closes the incident it belongs to.
    inc = redis.call('GET', lastKey)
    if not inc or redis.call('SISMEMBER', base .. ':inc:' .. inc .. ':firing', fp) == 0 then
      return {'orphan', '', ''}
    end
    kind = 'late'
  else
    inc = ARGV[9]
    kind = 'created'
    redis.call('HSET', base .. ':inc:' .. inc, 'host', host, 'channel', ARGV[12], 'thread', '',
      'count', 0, 'resolvedCount', 0, 'summary', ARGV[11], 'createdAt', now, 'startsAt', ARGV[13])
    local gid = redis.call('GET', base .. ':gather:current')
    if not gid then
      gid = ARGV[10]
      redis.call('SET', base .. ':gather:current', gid, 'PX', gatherMs)
      redis.call('ZADD', due, now + gatherMs + tonumber(ARGV[17]), 'gather:' .. gid)
    end
    redis.call('SADD', base .. ':gather:' .. gid, inc)
    redis.call('EXPIRE', base .. ':gather:' .. gid, retain)
  end
end

local incKey = base .. ':inc:' .. inc
local firingKey, resolvedKey, namesKey = incKey .. ':firing', incKey .. ':resolved', incKey .. ':names'
local thread = redis.call('HGET', incKey, 'thread') or ''
local events = {}
if status == 'firing' then
  local refiring = kind == 'joined' and redis.call('SCARD', firingKey) == 0
  redis.call('HINCRBY', incKey, 'count', 1)
  if redis.call('HEXISTS', namesKey, name) == 1 or redis.call('HLEN', namesKey) < MAXNAMES then
    redis.call('HINCRBY', namesKey, name, 1)
  else
    redis.call('HINCRBY', namesKey, '(other)', 1)
  end
  if redis.call('SCARD', firingKey) < MAXFP then redis.call('SADD', firingKey, fp) end
  redis.call('SREM', resolvedKey, fp)
  local s = tonumber(ARGV[13])
  local cur = tonumber(redis.call('HGET', incKey, 'startsAt'))
  if s and (not cur or s < cur) then redis.call('HSET', incKey, 'startsAt', ARGV[13]) end
  redis.call('HSET', incKey, 'lastFiringAt', now)
  redis.call('SET', hostKey, inc, 'EX', window)
  redis.call('SET', lastKey, inc, 'EX', retain)
  if refiring then
    table.insert(events, cjson.encode({kind = 'refiring', host = host, alertname = name}))
  end
elseif redis.call('SREM', firingKey, fp) == 1 then
  if redis.call('SCARD', resolvedKey) < MAXFP then redis.call('SADD', resolvedKey, fp) end
  redis.call('HINCRBY', incKey, 'resolvedCount', 1)
  table.insert(events, cjson.encode({kind = 'resolved', host = host, alertname = name}))
  if redis.call('SCARD', firingKey) == 0 then
    table.insert(events, cjson.encode({kind = 'host-resolved', host = host,
      alerts = tonumber(redis.call('HGET', incKey, 'count'))}))
  end
end
for _, k in ipairs({incKey, firingKey, resolvedKey, namesKey}) do redis.call('EXPIRE', k, retain) end

if thread ~= '' then
  local tkey = base .. ':thr:' .. thread
  if #events > 0 then
    for _, e in ipairs(events) do redis.call('RPUSH', tkey .. ':events', e) end
    redis.call('LTRIM', tkey .. ':events', -MAXEVENTS, -1)
    redis.call('EXPIRE', tkey .. ':events', retain)
    if status == 'firing' then redis.call('HSET', tkey, 'allResolved', '') end
  end
  redis.call('HINCRBY', tkey, 'ver', 1)
  redis.call('EXPIRE', tkey, retain)
  redis.call('ZADD', due, 'NX', now + debounce, 'update:' .. thread)
end
return {kind, inc, thread}
`;

/**
 * Takes due work with a lease: each item's score moves to the lease's end, so another process
 * takes it again only if this one did not finish it by then. ARGV: base, now, lease, limit.
 * Returns member, attempts, member, attempts...
 */
export const CLAIM = `
local base = ARGV[1]
local due = base .. ':due'
local items = redis.call('ZRANGEBYSCORE', due, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, m in ipairs(items) do
  redis.call('ZADD', due, ARGV[3], m)
  table.insert(out, m)
  table.insert(out, redis.call('HINCRBY', base .. ':attempts', m, 1))
end
return out
`;

/**
 * Finishes a claimed item. ARGV: base, member, lease, now, debounce, renderedVersion ('' unless an
 * update). An update whose thread changed while it was rendered is put back for another round.
 * Returns 0 when the lease was lost (another process has the item), 1 done, 2 rescheduled.
 */
export const DONE = `
local base, member = ARGV[1], ARGV[2]
local due = base .. ':due'
local score = redis.call('ZSCORE', due, member)
if score and tonumber(score) ~= tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', base .. ':attempts', member)
if ARGV[6] ~= '' then
  local ver = tonumber(redis.call('HGET', base .. ':thr:' .. string.sub(member, 8), 'ver') or '0')
  if ver > tonumber(ARGV[6]) then
    redis.call('ZADD', due, tonumber(ARGV[4]) + tonumber(ARGV[5]), member)
    return 2
  end
end
redis.call('ZREM', due, member)
return 1
`;

/**
 * Turns a gathering window into threads, once. ARGV: base, gatherId, now, retain, planJson
 * ([{id, channel, group, incidents: [...]}]). An incident already in a thread (a retried flush)
 * is skipped, so is a thread already made.
 */
export const COMMIT_GATHER = `
local base, gid, now, retain = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local plan = cjson.decode(ARGV[5])
local made = 0
for _, t in ipairs(plan) do
  local tkey = base .. ':thr:' .. t.id
  if redis.call('EXISTS', tkey) == 0 then
    local incs = {}
    for _, inc in ipairs(t.incidents) do
      local ik = base .. ':inc:' .. inc
      if redis.call('HGET', ik, 'thread') == '' then
        redis.call('HSET', ik, 'thread', t.id)
        table.insert(incs, inc)
      end
    end
    if #incs > 0 then
      redis.call('HSET', tkey, 'channel', t.channel, 'group', t.group or '', 'incidents', cjson.encode(incs),
        'createdAt', now, 'ver', 1, 'ts', '', 'queued', '', 'allResolved', '')
      redis.call('EXPIRE', tkey, retain)
      redis.call('ZADD', base .. ':due', now, 'announce:' .. t.id)
      made = made + 1
    end
  end
end
redis.call('DEL', base .. ':gather:' .. gid)
return made
`;

/** Marks a thread changed and due for an update now (sooner if one is due later). ARGV: base, threadId, now. */
export const TOUCH_THREAD = `
redis.call('HINCRBY', ARGV[1] .. ':thr:' .. ARGV[2], 'ver', 1)
redis.call('ZADD', ARGV[1] .. ':due', 'LT', tonumber(ARGV[3]), 'update:' .. ARGV[2])
return 1
`;
