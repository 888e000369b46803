import { UnknownHostError } from './errors.js';
import { closest, listNames } from './suggest.js';
import type { Inventory, ResolvedHost } from './types.js';
import { NAME_RE } from './values.js';

/**
 * The hosts a diagnose target names: the host itself, or a group's members in the group's order.
 * `target` comes from chat or the command line, so it is only ever compared, never used.
 */
export function resolveTargets(inventory: Inventory, target: string): ResolvedHost[] {
  const host = inventory.hosts.get(target);
  if (host) return [host];
  const members = inventory.groups.get(target);
  if (members) return members.map((name) => inventory.hosts.get(name)!);

  const hostNames = [...inventory.hosts.keys()];
  const groupNames = [...inventory.groups.keys()];
  const suggestions = closest(target, [...hostNames, ...groupNames]);
  const hint = suggestions.length > 0 ? `did you mean ${orList(suggestions)}? ` : '';
  const groups = groupNames.length > 0 ? `; groups: ${listNames(groupNames)}` : '';
  throw new UnknownHostError(
    target,
    suggestions,
    `unknown host '${shown(target)}'; ${hint}known hosts: ${listNames(hostNames)}${groups}`,
  );
}

function orList(names: readonly string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** The target echoed back to Slack: anything that is not a plausible name is defused first. */
function shown(target: string): string {
  if (NAME_RE.test(target)) return target;
  const clipped = target.length > 40 ? `${target.slice(0, 40)}...` : target;
  return clipped.replace(/[^A-Za-z0-9._ :/@+-]/g, '?');
}
