/**
 * Which inventory host an alert is about. Pure. Tried in order: the generic form's `host`, then
 * each configured label (alerts.hostLabels; default fpm_medic_host, host, hostname, instance,
 * nodename). A value matches, with or without its port (`10.0.0.11:9253`, `[2001:db8::1]:9253`,
 * or a URL such as a blackbox target):
 *   1. a host's name (`web-1`);
 *   2. a host's `address`, or one of its `selfAddresses` (ports ignored: exporters listen on
 *      their own ports);
 *   3. the first label of a DNS name (`web-1.prod.example.com` -> `web-1`).
 * A value that fits several hosts (two hosts behind one address) maps to none of them.
 */
import { isIP } from 'node:net';
import type { Inventory } from '../config/inventory.js';
import type { NormalizedAlert } from './types.js';

export interface HostIndex {
  names: ReadonlySet<string>;
  /** Lower-cased address or self address -> the hosts that have it. */
  addresses: ReadonlyMap<string, readonly string[]>;
  /** Lower-cased first DNS label of a host name -> the hosts. */
  shortNames: ReadonlyMap<string, readonly string[]>;
}

export interface HostMatch {
  host: string;
  /** The label that named it ("host" for the generic form's field), and its value. */
  label: string;
  value: string;
  /** `address` covers a host's address and its selfAddresses alike. */
  via: 'name' | 'address' | 'short-name';
}

export type HostMapping =
  | ({ mapped: true } & HostMatch)
  | {
      mapped: false;
      /** "instance=10.0.0.99:9253": what was looked at, for the "unmapped" message. */
      tried: string[];
      /** "10.0.0.5 is the address of web-1, web-2". */
      ambiguous: string[];
    };

function add(map: Map<string, string[]>, key: string, host: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [host]);
  else if (!list.includes(host)) list.push(host);
}

export function buildHostIndex(inventory: Pick<Inventory, 'hosts'>): HostIndex {
  const addresses = new Map<string, string[]>();
  const shortNames = new Map<string, string[]>();
  for (const host of inventory.hosts.values()) {
    if (!host.local) add(addresses, host.address.toLowerCase(), host.name);
    for (const self of host.selfAddresses) add(addresses, self.host.toLowerCase(), host.name);
    add(shortNames, host.name.split('.')[0]!.toLowerCase(), host.name);
  }
  return { names: new Set(inventory.hosts.keys()), addresses, shortNames };
}

/** The host part of `host:port`, `[v6]:port`, a bare IPv6 address, or a URL. */
export function hostPart(value: string): string {
  const v = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    try {
      return new URL(v).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return v;
    }
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) return bracketed[1]!;
  if (isIP(v) === 6) return v;
  const colon = v.lastIndexOf(':');
  return colon > 0 && /^\d{1,5}$/.test(v.slice(colon + 1)) ? v.slice(0, colon) : v;
}

function lookup(value: string, index: HostIndex, ambiguous: string[]): Omit<HostMatch, 'label'> | undefined {
  if (index.names.has(value)) return { host: value, value, via: 'name' };
  const part = hostPart(value);
  if (part !== value && index.names.has(part)) return { host: part, value, via: 'name' };
  const lower = part.toLowerCase();
  const byAddress = index.addresses.get(lower);
  if (byAddress?.length === 1) return { host: byAddress[0]!, value, via: 'address' };
  if (byAddress && byAddress.length > 1) ambiguous.push(`${part} is the address of ${byAddress.join(', ')}`);
  if (!isIP(part) && part.includes('.')) {
    const short = index.shortNames.get(lower.split('.')[0]!);
    if (short?.length === 1) return { host: short[0]!, value, via: 'short-name' };
  }
  return undefined;
}

export function mapAlertHost(
  alert: Pick<NormalizedAlert, 'host' | 'labels'>,
  hostLabels: readonly string[],
  index: HostIndex,
): HostMapping {
  const tried: string[] = [];
  const ambiguous: string[] = [];
  const candidates: [string, string][] = [];
  if (alert.host !== undefined) candidates.push(['host', alert.host]);
  for (const label of hostLabels) {
    const value = alert.labels[label];
    if (value !== undefined && value !== '') candidates.push([label, value]);
  }
  for (const [label, value] of candidates) {
    tried.push(`${label}=${value}`);
    const found = lookup(value, index, ambiguous);
    if (found) return { mapped: true, label, ...found };
  }
  return { mapped: false, tried, ambiguous };
}
