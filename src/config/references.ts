/**
 * Checks that names refer to something: group members and jump hosts must be hosts of this
 * inventory. Runs on the raw data, before or despite schema problems, so one run reports both
 * kinds; values of the wrong type are skipped here because the schema already reports them.
 */
import type { InventoryIssue, KeyPath } from './issues.js';
import { closest, listNames } from './suggest.js';
import { NAME_RE } from './values.js';
import { keyPosition, valuePosition, type YamlSource } from './yaml-source.js';

type RawMap = Record<string, unknown>;

function asMap(value: unknown): RawMap | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawMap) : undefined;
}

function has(map: RawMap | undefined, key: string): boolean {
  return map !== undefined && Object.hasOwn(map, key);
}

export function checkReferences(source: YamlSource, data: unknown): InventoryIssue[] {
  const root = asMap(data);
  const hosts = asMap(root?.['hosts']);
  if (!hosts) return [];
  const groups = asMap(root?.['groups']) ?? {};
  const hostNames = Object.keys(hosts);
  const issues: InventoryIssue[] = [];
  const issue = (path: KeyPath, message: string, where: 'key' | 'value' = 'value') => {
    const pos = where === 'key' ? keyPosition(source, path) : valuePosition(source, path);
    issues.push({ ...pos, path, message });
  };

  if (hostNames.length === 0) issue(['hosts'], 'expected at least one host, got none');

  const unknownHost = (name: string) => {
    const [best] = closest(name, hostNames, 1);
    const hint = best ? `did you mean ${best}? ` : '';
    return `unknown host "${name}"; ${hint}known hosts: ${listNames(hostNames)}`;
  };

  for (const [group, value] of Object.entries(groups)) {
    if (has(hosts, group)) {
      issue(['groups', group], 'a host has the same name; host and group names must differ', 'key');
    }
    const members = Array.isArray(value) ? value : asMap(value)?.['hosts'];
    if (!Array.isArray(members)) continue;
    const base: KeyPath = Array.isArray(value) ? ['groups', group] : ['groups', group, 'hosts'];
    const seen = new Set<string>();
    for (const [i, member] of (members as unknown[]).entries()) {
      if (typeof member !== 'string' || !NAME_RE.test(member)) continue;
      const path = [...base, i];
      if (seen.has(member)) {
        issue(path, `"${member}" is listed twice`);
        continue;
      }
      seen.add(member);
      if (has(groups, member) && !has(hosts, member)) {
        issue(path, `"${member}" is a group; a group lists hosts only`);
      } else if (!has(hosts, member)) {
        issue(path, unknownHost(member));
      }
    }
  }

  const jumpAt = (path: KeyPath, ssh: unknown) => {
    const jump = asMap(ssh)?.['jump'];
    if (typeof jump !== 'string' || !NAME_RE.test(jump)) return;
    const jumpPath = [...path, 'jump'];
    if (!has(hosts, jump)) issue(jumpPath, `${unknownHost(jump)} (a jump must name a host)`);
    else if (asMap(hosts[jump])?.['address'] === 'local') {
      issue(jumpPath, `"${jump}" has address "local" and cannot be a jump host`);
    }
  };
  jumpAt(['defaults', 'ssh'], asMap(root?.['defaults'])?.['ssh']);
  for (const [group, value] of Object.entries(groups))
    jumpAt(['groups', group, 'ssh'], asMap(value)?.['ssh']);
  for (const [host, value] of Object.entries(hosts)) jumpAt(['hosts', host, 'ssh'], asMap(value)?.['ssh']);

  return issues;
}
