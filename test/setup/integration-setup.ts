/**
 * Vitest global setup of the integration project: what `npm install && npm test` needs on a fresh
 * machine, before any test file starts a lab that could not start.
 *
 * - Root and the Debian packages (php-fpm, nginx, apache2, sshd, ...): as root,
 *   scripts/ensure-packages.sh installs the missing ones; not as root the run stops here within
 *   seconds with one message (root is needed, which packages are missing, the command to install
 *   them) instead of every lab test failing on its own.
 * - Redis: `REDIS_URL` when set, else the one on 127.0.0.1:6379, else a redis-server of our own on
 *   a free port for the length of the run (exported as REDIS_URL to every test worker).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { OwnRedis } from '../integration/queue/helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

const INSTALL = 'bash scripts/ensure-packages.sh';

function ensurePackages(): void {
  const root = process.getuid?.() === 0;
  const run = spawnSync('bash', [join(ROOT, 'scripts/ensure-packages.sh'), ...(root ? [] : ['--check'])], {
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: 15 * 60_000,
  });
  const said = (run.stderr ?? '').trim() || run.error?.message || `exit ${run.status}`;
  if (!root) {
    // The lab binds sockets, runs FPM's workers as www-data and makes a memory cgroup: root only.
    const missing =
      run.status === 0
        ? ''
        : ` They also need these: ${said.replace(/^missing Debian packages: /, '')} (as root: ${INSTALL}).`;
    throw new MissingPrerequisiteError(
      `the integration tests start a real lab (php-fpm, nginx, apache2, sshd) and must run as root.${missing} Without root: npm run test:unit`,
    );
  }
  if (run.status !== 0)
    throw new MissingPrerequisiteError(`could not install the lab's Debian packages: ${said}`);
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
