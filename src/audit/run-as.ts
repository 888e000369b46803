import type { ResolvedHost } from '../config/types.js';

/**
 * The audit detail saying which hosts ran with `ssh.become` (as whom, through what), so the record
 * of a diagnosis or an action step shows that its commands ran as root through sudo. Empty when
 * none did, so records without become are unchanged.
 */
export function becomeDetail(hosts: readonly Pick<ResolvedHost, 'name' | 'ssh' | 'become'>[]): {
  become?: { host: string; user?: string; via: 'sudo' }[];
} {
  const become = hosts.flatMap((h) =>
    h.become ? [{ host: h.name, ...(h.ssh ? { user: h.ssh.user } : {}), via: h.become }] : [],
  );
  return become.length > 0 ? { become } : {};
}
