import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiscoveryCache, DiscoveryCacheEntry } from '../../../src/probes/discovery-cache.js';
import {
  DISCOVERY_TTL_SEC,
  FileDiscoveryCache,
  RedisDiscoveryCache,
} from '../../../src/store/discovery-cache.js';
import { freshPrefix, REDIS_URL } from '../queue/helpers.js';

/** Both stores of kept discovery dumps: round trip, expiry, and what they do with a bad entry. */
const entry: DiscoveryCacheEntry = {
  identity: 'root@10.0.0.11:22 none',
  dumps: {
    'discover-fpm': {
      args: [],
      key: 'k1',
      stamps: ['/etc/php/8.2/fpm/php-fpm.conf'],
      raw: '@@section x\n',
      at: '2026-12-03T10:00:00.000Z',
    },
  },
};

describe('RedisDiscoveryCache (real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = freshPrefix();
  const cache = new RedisDiscoveryCache(redis, prefix);
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:discovery:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('keeps an entry for a day, per host, and drops it on invalidate', async () => {
    await cache.set('web-1', entry);
    expect(await cache.get('web-1')).toEqual(entry);
    expect(await cache.get('web-2')).toBeUndefined();
    const ttl = await redis.ttl(`${prefix}:discovery:web-1`);
    expect(ttl).toBeGreaterThan(DISCOVERY_TTL_SEC - 60);
    expect(ttl).toBeLessThanOrEqual(DISCOVERY_TTL_SEC);
    await cache.invalidate('web-1');
    expect(await cache.get('web-1')).toBeUndefined();
  });

  it('an entry that is not one (another version, garbage) is no entry', async () => {
    await redis.set(`${prefix}:discovery:web-3`, '{"identity": 1}');
    await redis.set(`${prefix}:discovery:web-4`, 'not json');
    expect(await cache.get('web-3')).toBeUndefined();
    expect(await cache.get('web-4')).toBeUndefined();
  });
});

describe('FileDiscoveryCache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-dcache-'));
  const cache: DiscoveryCache = new FileDiscoveryCache(join(dir, 'discovery'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('one file per host, readable by its user alone, in a directory only they can enter', async () => {
    await cache.set('web 1/../x', entry);
    expect(await cache.get('web 1/../x')).toEqual(entry);
    const file = join(dir, 'discovery', `${encodeURIComponent('web 1/../x')}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'discovery')).mode & 0o777).toBe(0o700);
    await cache.invalidate('web 1/../x');
    expect(await cache.get('web 1/../x')).toBeUndefined();
  });

  it('a day old, garbage, or missing: no entry', async () => {
    const file = join(dir, 'discovery', 'old.json');
    writeFileSync(file, JSON.stringify({ ...entry, savedAt: Date.now() - (DISCOVERY_TTL_SEC + 1) * 1000 }));
    expect(await cache.get('old')).toBeUndefined();
    writeFileSync(join(dir, 'discovery', 'junk.json'), '{');
    expect(await cache.get('junk')).toBeUndefined();
    expect(await cache.get('missing')).toBeUndefined();
  });
});
