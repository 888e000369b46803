/**
 * Checks that names in the policy refer to something, when the caller knows what exists: the
 * inventory's hosts and groups, the loaded runbooks. A misspelt host in a deny rule would
 * otherwise deny nothing, silently. Runs on the raw data so one run reports schema and
 * reference problems together; values of the wrong type are left to the schema.
 */
import type { InventoryIssue, KeyPath } from '../config/issues.js';
import { closest, listNames } from '../config/suggest.js';
import { valuePosition, type YamlSource } from '../config/yaml-source.js';
import { ACTION_IDS } from '../runbooks/ids.js';

export interface PolicyReferences {
  /** The inventory's host and group names; unchecked when absent. */
  inventory?: { hosts: Iterable<string>; groups: Iterable<string> };
  /** Ids of the loaded runbooks; unchecked when absent (runbooks may be added later). */
  runbookIds?: Iterable<string>;
}

type RawMap = Record<string, unknown>;

function asMap(value: unknown): RawMap | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawMap) : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function checkPolicyReferences(
  source: YamlSource,
  data: unknown,
  refs: PolicyReferences,
): InventoryIssue[] {
  const root = asMap(data);
  if (!root) return [];
  const issues: InventoryIssue[] = [];
  const issue = (path: KeyPath, message: string) =>
    issues.push({ ...valuePosition(source, path), path, message });

  const unknown = (kind: string, name: string, known: readonly string[]) => {
    const [best] = closest(name, known, 1);
    const hint = best ? `did you mean ${best}? ` : '';
    return `unknown ${kind} "${name}"; ${hint}known ${kind}s: ${listNames(known)}`;
  };

  if (refs.inventory) {
    const hosts = [...refs.inventory.hosts];
    const groups = [...refs.inventory.groups];
    const checkSelector = (base: KeyPath, entry: unknown) => {
      const map = asMap(entry);
      for (const [i, name] of asList(map?.['hosts']).entries()) {
        if (typeof name === 'string' && !hosts.includes(name)) {
          const hint = groups.includes(name)
            ? `"${name}" is a group: list it under groups`
            : unknown('host', name, hosts);
          issue([...base, 'hosts', i], hint);
        }
      }
      for (const [i, name] of asList(map?.['groups']).entries()) {
        if (typeof name === 'string' && !groups.includes(name)) {
          const hint = hosts.includes(name)
            ? `"${name}" is a host: list it under hosts`
            : unknown('group', name, groups);
          issue([...base, 'groups', i], hint);
        }
      }
    };
    for (const [i, rule] of asList(root['diagnose']).entries()) checkSelector(['diagnose', i], rule);
    for (const id of ACTION_IDS) {
      const rules = asMap(asMap(root['actions'])?.[id])?.['approve'];
      for (const [i, rule] of asList(rules).entries()) checkSelector(['actions', id, 'approve', i], rule);
    }
    for (const [i, entry] of asList(root['autoRemediation']).entries())
      checkSelector(['autoRemediation', i], entry);
  }

  if (refs.runbookIds) {
    const ids = [...refs.runbookIds];
    for (const [i, entry] of asList(root['autoRemediation']).entries()) {
      const runbook = asMap(entry)?.['runbook'];
      if (typeof runbook === 'string' && !ids.includes(runbook)) {
        issue(['autoRemediation', i, 'runbook'], unknown('runbook', runbook, ids));
      }
    }
  }
  return issues;
}
