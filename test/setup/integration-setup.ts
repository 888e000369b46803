/**
 * Vitest global setup of the integration project: what `npm install && npm test` needs on a fresh
 * machine, before any test file starts a lab that could not start.
 *
 * - Debian packages (php-fpm, nginx, apache2, sshd, ...): scripts/ensure-packages.sh installs the
 *   missing ones as root; not as root it names them and the command to install them, and the run
 *   stops here within seconds instead of every lab test timing out.
 * - Redis: `REDIS_URL` when set, else the one on 127.0.0.1:6379, else a redis-server of our own on
 *   a free port for the length of the run (exported as REDIS_URL to every test worker).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { OwnRedis } from '../integration/queue/helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

function ensurePackages(): void {
  const run = spawnSync('bash', [join(root, 'scripts/ensure-packages.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (run.status === 0) return;
  const said = (run.stderr ?? '').trim() || run.error?.message || `exit ${run.status}`;
  throw new MissingPrerequisiteError(`the integration tests need the lab's Debian packages: ${said}`);
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function ensureRedis(): Promise<OwnRedis | undefined> {
  const given = process.env.REDIS_URL;
  if (given) {
    if (await answers(given)) return undefined;
    throw new MissingPrerequisiteError(`REDIS_URL=${given} does not answer PING`);
  }
  if (await answers(DEFAULT_REDIS)) {
    process.env.REDIS_URL = DEFAULT_REDIS;
    return undefined;
  }
  const own = await OwnRedis.start();
  process.env.REDIS_URL = own.url;
  console.log(`no Redis on 127.0.0.1:6379: started one for this run at ${own.url}`);
  return own;
}

export default async function setup(): Promise<() => Promise<void>> {
  ensurePackages();
  const own = await ensureRedis();
  return async () => {
    await own?.destroy();
  };
}
