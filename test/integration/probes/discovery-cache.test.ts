import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostFacts } from '../../../src/facts/types.js';
import { type Collected, collectFacts } from '../../../src/probes/collect.js';
import { FileDiscoveryCache } from '../../../src/store/discovery-cache.js';
import { type ProbeHarness, startProbeHarness } from './lab-probe-harness.js';

/**
 * The discovery cache on the real lab over SSH: a second diagnosis reuses the dumps while the host
 * says nothing they read changed, and dumps afresh the moment something did — an edit that keeps
 * the file's size, a file added to the pool directory, a restarted master, a web config edit.
 */
describe('discovery kept between diagnoses', () => {
  let h: ProbeHarness;
  let dir: string;
  let cache: FileDiscoveryCache;
  beforeAll(async () => {
    h = await startProbeHarness('nginx');
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-discovery-'));
    cache = new FileDiscoveryCache(join(dir, 'discovery'));
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const collect = (): Promise<Collected> =>
    collectFacts(
      h.transport,
      { name: 'lab', fpm: {}, web: { kind: 'nginx', config: h.lab.webConfigFile } },
      { windowSec: 60, discoveryCache: { cache, identity: 'root@lab' } },
    );
  const run = (c: Collected, id: string) => c.facts.probes.find((p) => p.id === id)!;
  const labPool = (f: HostFacts, name: string) =>
    f.fpm.pools.find((p) => p.masterPid === h.lab.fpmMasterPid && p.name === name);
  /** What discovery contributes to the facts, without what changes from one run to the next. */
  const discovered = (f: HostFacts) => ({ fpm: f.fpm, web: f.web });

  it('the second diagnosis reuses both dumps: the same facts for a fraction of the bytes', async () => {
    // A dump taken within 0.1 s of a change to what it reads gets no key (it may predate the
    // change): the lab has just written its config, so that may be the first run's fate.
    const keyed = (c: Collected) =>
      ['discover-fpm', 'discover-web'].every((id) =>
        c.raw[id as 'logs']?.includes('@@section discovery-key'),
      );
    let first: Collected | undefined;
    for (let i = 0; i < 10 && !(first && keyed(first)); i++) {
      await cache.invalidate('lab');
      first = await collect();
    }
    if (!first) throw new Error('unreachable');
    expect(run(first, 'discover-fpm').cachedAt).toBeUndefined();
    expect(first.raw['discover-fpm']).toContain('@@section discovery-key kind=fpm');
    expect(first.raw['discover-web']).toContain('@@section discovery-key kind=web');
    const second = await collect();
    for (const id of ['discover-fpm', 'discover-web']) {
      expect(run(second, id).cachedAt, id).toBeDefined();
      expect(run(second, id).bytes, id).toBeLessThan(run(first, id).bytes / 10);
    }
    expect(discovered(second.facts)).toEqual(discovered(first.facts));
    // The raw evidence is the dump the facts come from.
    expect(second.raw['discover-fpm']).toBe(first.raw['discover-fpm']);
    // The kept file is the user's alone.
    expect(readFileSync(join(dir, 'discovery', 'lab.json'), 'utf8')).toContain('"identity":"root@lab"');
  });

  it('a pool file edited in place, same size: FPM is dumped afresh and shows the new value', async () => {
    await collect();
    const file = h.lab.paths.poolConf('unixpool');
    const before = readFileSync(file, 'utf8');
    const max = labPool((await collect()).facts, 'unixpool')!.maxChildren;
    const next = max === 9 ? 8 : max + 1;
    expect(String(next).length).toBe(String(max).length);
    writeFileSync(file, before.replace(/^pm\.max_children = \d+$/m, `pm.max_children = ${next}`));
    expect(readFileSync(file, 'utf8').length).toBe(before.length);
    const after = await collect();
    expect(run(after, 'discover-fpm').cachedAt).toBeUndefined();
    expect(run(after, 'discover-web').cachedAt).toBeDefined();
    expect(labPool(after.facts, 'unixpool')!.maxChildren).toBe(next);
    writeFileSync(file, before);
  });

  it('a pool file added to the include directory: dumped afresh, the new pool is there', async () => {
    await collect();
    const extra = join(h.lab.paths.poolConf('unixpool'), '..', 'zz-extra.conf');
    const unix = readFileSync(h.lab.paths.poolConf('unixpool'), 'utf8');
    writeFileSync(
      extra,
      unix
        .replace('[unixpool]', '[extrapool]')
        .replace(/^listen = .*$/m, `listen = ${h.lab.dir}/run/extra.sock`),
    );
    try {
      const after = await collect();
      expect(run(after, 'discover-fpm').cachedAt).toBeUndefined();
      expect(labPool(after.facts, 'extrapool')).toBeDefined();
    } finally {
      rmSync(extra, { force: true });
    }
  });

  it('a restarted master: dumped afresh, the new master named', async () => {
    await collect();
    await h.lab.restartFpmAsConfigured();
    const after = await collect();
    expect(run(after, 'discover-fpm').cachedAt).toBeUndefined();
    expect(after.facts.fpm.masters.map((m) => m.pid)).toContain(h.lab.fpmMasterPid);
    expect(run(await collect(), 'discover-fpm').cachedAt).toBeDefined();
  });

  it('an nginx config edit: nginx is dumped afresh, FPM still reused', async () => {
    await collect();
    const conf = h.lab.webConfigFile;
    const before = readFileSync(conf, 'utf8');
    writeFileSync(conf, `${before}\n# edited\n`);
    try {
      const after = await collect();
      expect(run(after, 'discover-web').cachedAt).toBeUndefined();
      expect(run(after, 'discover-fpm').cachedAt).toBeDefined();
    } finally {
      writeFileSync(conf, before);
    }
  });

  it("another login's dumps are not used; a cache that cannot be read costs only a fresh dump", async () => {
    await collect();
    const other = await collectFacts(
      h.transport,
      { name: 'lab', fpm: {}, web: { kind: 'nginx', config: h.lab.webConfigFile } },
      { windowSec: 60, discoveryCache: { cache, identity: 'deploy@lab' } },
    );
    expect(run(other, 'discover-fpm').cachedAt).toBeUndefined();
    const broken = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
      invalidate: () => Promise.resolve(),
    };
    const fresh = await collectFacts(
      h.transport,
      { name: 'lab', fpm: {}, web: { kind: 'nginx', config: h.lab.webConfigFile } },
      { windowSec: 60, discoveryCache: { cache: broken, identity: 'root@lab' } },
    );
    expect(fresh.facts.probes.every((p) => p.ok && p.cachedAt === undefined)).toBe(true);
    expect(labPool(fresh.facts, 'unixpool')).toBeDefined();
  });
});
