/**
 * How the hosts that started alerting within one gathering window are diagnosed. Pure.
 *
 * Per channel (alerts routed to different channels are never merged): while some inventory group
 * holds two or more of the gathered hosts, the group holding the most (the first in the inventory
 * on a tie) makes one thread and one diagnosis of those hosts; every host left makes its own.
 */
import type { Inventory } from '../config/inventory.js';
import { multiHostTarget } from '../queue/keys.js';

export interface GatheredIncident {
  id: string;
  host: string;
  channel: string;
}

export interface PlannedThread {
  channel: string;
  /** Inventory order. */
  hosts: string[];
  incidents: string[];
  /** The inventory group the hosts were gathered by; absent for a single host. */
  group?: string;
}

export function planThreads(
  incidents: readonly GatheredIncident[],
  inventory: Pick<Inventory, 'hosts' | 'groups'>,
): PlannedThread[] {
  const order = new Map([...inventory.hosts.keys()].map((name, i) => [name, i]));
  const byInventory = (a: string, b: string) =>
    (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER) ||
    a.localeCompare(b);
  const channels = new Map<string, GatheredIncident[]>();
  for (const inc of incidents) {
    const list = channels.get(inc.channel) ?? [];
    list.push(inc);
    channels.set(inc.channel, list);
  }
  const threads: PlannedThread[] = [];
  for (const [channel, list] of channels) {
    const byHost = new Map<string, string[]>();
    for (const inc of list) byHost.set(inc.host, [...(byHost.get(inc.host) ?? []), inc.id]);
    const left = new Set(byHost.keys());
    for (;;) {
      let best: { group: string; hosts: string[] } | undefined;
      for (const [group, members] of inventory.groups) {
        const hosts = members.filter((h) => left.has(h));
        if (hosts.length >= 2 && hosts.length > (best?.hosts.length ?? 0)) best = { group, hosts };
      }
      if (!best) break;
      const hosts = [...best.hosts].sort(byInventory);
      for (const h of hosts) left.delete(h);
      threads.push({ channel, hosts, incidents: hosts.flatMap((h) => byHost.get(h)!), group: best.group });
    }
    for (const host of [...left].sort(byInventory)) {
      threads.push({ channel, hosts: [host], incidents: byHost.get(host)! });
    }
  }
  return threads;
}

export interface TriageTarget {
  /** What is queued: a host, a group, or hosts joined by "+" (part of a group). */
  target: string;
  /** How it reads in messages. */
  label: string;
}

/** The diagnosis target for a thread's hosts. */
export function triageTarget(
  hosts: readonly string[],
  group: string | undefined,
  inventory: Pick<Inventory, 'groups'>,
): TriageTarget {
  if (hosts.length === 1) return { target: hosts[0]!, label: hosts[0]! };
  const members = group === undefined ? undefined : inventory.groups.get(group);
  if (
    group !== undefined &&
    members &&
    members.length === hosts.length &&
    members.every((h) => hosts.includes(h))
  )
    return { target: group, label: group };
  const label = `${group ?? 'hosts'} (${hosts.join(', ')})`;
  return { target: multiHostTarget(hosts), label };
}

const MAX_WINDOW_SEC = 24 * 3600;

/**
 * The log window of a triage: at least the policy's, and back to five minutes before the earliest
 * alert started (an alert that fired an hour ago is about what happened an hour ago), in whole
 * minutes, at most a day.
 */
export function triageWindowSec(startsAtMs: number | undefined, nowMs: number, minSec: number): number {
  if (startsAtMs === undefined || startsAtMs > nowMs) return minSec;
  const sinceStart = Math.ceil((nowMs - startsAtMs) / 60_000 + 5) * 60;
  return Math.min(MAX_WINDOW_SEC, Math.max(minSec, sinceStart));
}
