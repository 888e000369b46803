import { describe, expect, it } from 'vitest';
import { CachedGroupMembership, GroupMembershipError } from '../../../src/policy/policy.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A fetch whose answers the test controls: each call waits until resolved or rejected. */
function controlledFetch() {
  const calls: { groupId: string; resolve: (users: string[]) => void; reject: (err: Error) => void }[] = [];
  const fetch = (groupId: string) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ groupId, resolve, reject });
    });
  return { fetch, calls };
}

const TTL = 60_000;

describe('CachedGroupMembership', () => {
  it('fetches a group once per TTL and again after it', async () => {
    const clock = fakeClock();
    let fetches = 0;
    const cache = new CachedGroupMembership(
      async () => {
        fetches++;
        return [`U0MEMBER0${fetches}`];
      },
      TTL,
      clock.now,
    );
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0MEMBER01']);
    clock.advance(TTL - 1);
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0MEMBER01']);
    expect(fetches).toBe(1);
    clock.advance(1);
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0MEMBER02']);
    expect(fetches).toBe(2);
  });

  it('caches each group on its own', async () => {
    const asked: string[] = [];
    const cache = new CachedGroupMembership(async (groupId) => {
      asked.push(groupId);
      return [];
    }, TTL);
    await cache.usersOf('S0AAAAAAA1');
    await cache.usersOf('S0BBBBBBB1');
    await cache.usersOf('S0AAAAAAA1');
    expect(asked).toEqual(['S0AAAAAAA1', 'S0BBBBBBB1']);
  });

  it('shares one fetch between concurrent lookups of a group', async () => {
    const { fetch, calls } = controlledFetch();
    const cache = new CachedGroupMembership(fetch, TTL);
    const first = cache.usersOf('S0SRE00001');
    const second = cache.usersOf('S0SRE00001');
    expect(calls).toHaveLength(1);
    calls[0]?.resolve(['U0ALICE001']);
    expect(await first).toEqual(['U0ALICE001']);
    expect(await second).toEqual(['U0ALICE001']);
  });

  it('shares a failing fetch too, and retries on the next lookup when nothing was cached', async () => {
    const { fetch, calls } = controlledFetch();
    const cache = new CachedGroupMembership(fetch, TTL);
    const first = cache.usersOf('S0SRE00001');
    const second = cache.usersOf('S0SRE00001');
    calls[0]?.reject(new Error('ratelimited'));
    for (const lookup of [first, second]) {
      const err = await lookup.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GroupMembershipError);
      expect((err as GroupMembershipError).message).toBe(
        'could not list the members of user group S0SRE00001: ratelimited',
      );
    }
    const third = cache.usersOf('S0SRE00001');
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(['U0ALICE001']);
    expect(await third).toEqual(['U0ALICE001']);
  });

  it('serves the last known members when a refresh fails, and waits before retrying', async () => {
    const clock = fakeClock();
    let fail = false;
    let fetches = 0;
    const cache = new CachedGroupMembership(
      async () => {
        fetches++;
        if (fail) throw new Error('slack is down');
        return ['U0ALICE001'];
      },
      TTL,
      clock.now,
    );
    await cache.usersOf('S0SRE00001');
    fail = true;
    clock.advance(TTL);
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0ALICE001']);
    expect(fetches).toBe(2);
    clock.advance(29_999);
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0ALICE001']);
    expect(fetches).toBe(2);
    clock.advance(1);
    fail = false;
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0ALICE001']);
    expect(fetches).toBe(3);
  });

  it('treats a fetch that throws synchronously or answers nonsense as a failure, leaving nothing stuck', async () => {
    let mode: 'throw' | 'nonsense' | 'ok' = 'throw';
    const cache = new CachedGroupMembership(
      (() => {
        if (mode === 'throw') throw new Error('boom');
        if (mode === 'nonsense') return Promise.resolve({ members: [] } as unknown as string[]);
        return Promise.resolve(['U0ALICE001']);
      }) as (groupId: string) => Promise<string[]>,
      TTL,
    );
    await expect(cache.usersOf('S0SRE00001')).rejects.toThrow('boom');
    mode = 'nonsense';
    await expect(cache.usersOf('S0SRE00001')).rejects.toThrow('the member list is not a list of user ids');
    mode = 'ok';
    expect(await cache.usersOf('S0SRE00001')).toEqual(['U0ALICE001']);
  });

  it('refuses a negative TTL', () => {
    expect(() => new CachedGroupMembership(async () => [], -1)).toThrow(RangeError);
  });
});
