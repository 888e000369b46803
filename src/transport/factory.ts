import type { ResolvedHost } from '../config/types.js';
import { sshTargetOf } from './inventory-target.js';
import { LocalTransport } from './local-transport.js';
import { SshTransport } from './ssh-transport.js';
import type { Transport } from './transport.js';

/** The transport an inventory host asks for: `address: local` runs here, anything else over SSH. */
export function createTransport(host: ResolvedHost, env: NodeJS.ProcessEnv = process.env): Transport {
  const target = sshTargetOf(host, env);
  if (target) return new SshTransport(target);
  return new LocalTransport(host.name, undefined, host.become ? { become: host.become } : {});
}

/** Runs `fn` with a transport for `host` (or the one given) and closes it afterwards if it made it. */
export async function withTransport<T>(
  host: ResolvedHost,
  given: Transport | undefined,
  fn: (transport: Transport) => Promise<T>,
): Promise<T> {
  const transport = given ?? createTransport(host);
  try {
    return await fn(transport);
  } finally {
    if (!given) await transport.close();
  }
}
