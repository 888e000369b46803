/**
 * Redis keys of the alert state, all under the queue's prefix (a Redis Cluster hash tag, so they
 * share one slot with each other; the Lua scripts build the same names from `base`).
 *
 *   <base>:host:<host>          open incident of the host (TTL: the window, renewed by firing alerts)
 *   <base>:last:<host>          the host's latest incident, for resolutions that come after the window
 *   <base>:inc:<id>             one host's incident: counts, channel, thread, first alert (hash)
 *   <base>:inc:<id>:names       alert name -> notifications (hash, at most 100 names)
 *   <base>:inc:<id>:firing      fingerprints firing (set, at most 1000), and :resolved
 *   <base>:thr:<id>             a Slack thread: channel, ts, incidents, triage state (hash)
 *   <base>:thr:<id>:events      resolutions not yet told in the thread (list, at most 200)
 *   <base>:gather:current       the gathering window open now (TTL: alerts.gatherSeconds)
 *   <base>:gather:<id>          incidents gathered in it (set)
 *   <base>:unmapped:<fp>        an unmapped alert already posted (TTL: the window)
 *   <base>:due                  work to do, by when (sorted set): gather:, announce:, update:, unmapped:
 *   <base>:attempts             tries per due item (hash)
 * Every key but due and attempts expires; those two hold only pending work.
 */
export function alertsBase(prefix: string): string {
  return `${prefix}:alerts`;
}

export const alertKeys = (base: string) => ({
  due: `${base}:due`,
  attempts: `${base}:attempts`,
  host: (host: string) => `${base}:host:${host}`,
  inc: (id: string) => `${base}:inc:${id}`,
  incNames: (id: string) => `${base}:inc:${id}:names`,
  incFiring: (id: string) => `${base}:inc:${id}:firing`,
  incResolved: (id: string) => `${base}:inc:${id}:resolved`,
  thread: (id: string) => `${base}:thr:${id}`,
  threadEvents: (id: string) => `${base}:thr:${id}:events`,
  gather: (id: string) => `${base}:gather:${id}`,
  unmapped: (fp: string) => `${base}:unmapped:${fp}`,
});

/** Members of the due set: what to do, and for which id. */
export type DueKind = 'gather' | 'announce' | 'update' | 'unmapped';

export function dueMember(kind: DueKind, id: string): string {
  return `${kind}:${id}`;
}

export function parseDueMember(member: string): { kind: DueKind; id: string } | undefined {
  const colon = member.indexOf(':');
  const kind = member.slice(0, colon);
  if (kind !== 'gather' && kind !== 'announce' && kind !== 'update' && kind !== 'unmapped') return undefined;
  return { kind, id: member.slice(colon + 1) };
}
