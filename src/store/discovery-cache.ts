import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { DiscoveryCache, DiscoveryCacheEntry } from '../probes/discovery-cache.js';
import { stateDir } from '../util/state-dir.js';

/**
 * Where each host's last discovery dumps are kept (probes/discovery-cache.ts says when they are
 * used). A day at most: past that a diagnosis dumps afresh even if the host says nothing changed.
 * An entry that cannot be read is no entry.
 */
export const DISCOVERY_TTL_SEC = 24 * 3600;

interface Stored extends DiscoveryCacheEntry {
  savedAt: number;
}

function parse(text: string | null | undefined): DiscoveryCacheEntry | undefined {
  if (!text) return undefined;
  try {
    const stored = JSON.parse(text) as Partial<Stored>;
    if (typeof stored.identity !== 'string' || typeof stored.dumps !== 'object' || stored.dumps === null)
      return undefined;
    if (typeof stored.savedAt !== 'number' || Date.now() - stored.savedAt > DISCOVERY_TTL_SEC * 1000)
      return undefined;
    return { identity: stored.identity, dumps: stored.dumps };
  } catch {
    return undefined;
  }
}

const serialize = (entry: DiscoveryCacheEntry) => JSON.stringify({ ...entry, savedAt: Date.now() });

/** serve and workers: one key per host beside the queue's, so every worker shares what one read. */
export class RedisDiscoveryCache implements DiscoveryCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(host: string): string {
    return `${this.prefix}:discovery:${host}`;
  }

  async get(host: string): Promise<DiscoveryCacheEntry | undefined> {
    return parse(await this.redis.get(this.key(host)));
  }

  async set(host: string, entry: DiscoveryCacheEntry): Promise<void> {
    await this.redis.set(this.key(host), serialize(entry), 'EX', DISCOVERY_TTL_SEC);
  }

  async invalidate(host: string): Promise<void> {
    await this.redis.del(this.key(host));
  }
}

/**
 * The CLI: a file per host in the user's state directory, readable by that user alone (the dumps
 * quote config files). Written to a temporary file and renamed, so a reader never sees half.
 */
export class FileDiscoveryCache implements DiscoveryCache {
  constructor(readonly dir: string) {}

  private file(host: string): string {
    return join(this.dir, `${encodeURIComponent(host)}.json`);
  }

  async get(host: string): Promise<DiscoveryCacheEntry | undefined> {
    return parse(await readFile(this.file(host), 'utf8').catch(() => undefined));
  }

  async set(host: string, entry: DiscoveryCacheEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const file = this.file(host);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, serialize(entry), { mode: 0o600 });
    await rename(tmp, file);
  }

  async invalidate(host: string): Promise<void> {
    await rm(this.file(host), { force: true });
  }
}

/** The CLI's directory: beside the audit log, in the user's XDG state directory. */
export function defaultDiscoveryCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return join(stateDir(env), 'discovery');
}
