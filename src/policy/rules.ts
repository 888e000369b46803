/**
 * One rule of the policy, ready to match: which hosts it covers, and who (user, user group) in
 * which channels it applies to.
 */
import type { ResolvedHost } from '../config/types.js';
import { GroupMembershipError } from './errors.js';
import type { GroupMembership } from './membership.js';
import type { LabelSelector, RuleSettings } from './schema.js';
import type { Belonging } from './workspace.js';

/** What a rule needs of a host: the inventory's ResolvedHost has it. */
export type PolicyHost = Pick<ResolvedHost, 'name' | 'labels' | 'groups'>;

export interface Actor {
  userId: string;
  channelId: string;
  /**
   * The Slack workspace (T…) or Enterprise Grid org (E…) the person belongs to, as the payload
   * says (src/slack/actor.ts). Absent: not known, and then never taken for the app's own.
   */
  teamId?: string;
  /** The Enterprise Grid org of that workspace, where Slack says (slash commands). */
  enterpriseId?: string;
}

export interface RuleRef {
  /** Key path in the file, e.g. "diagnose[2]" or "actions.fpm-reload.approve[0]". */
  path: string;
  line: number;
  name?: string;
}

export interface HostSelector {
  hosts?: ReadonlySet<string>;
  groups?: ReadonlySet<string>;
  labels?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface Rule extends RuleRef {
  effect: 'allow' | 'deny';
  select: HostSelector;
  channels?: ReadonlySet<string>;
  users?: ReadonlySet<string>;
  userGroups?: readonly string[];
}

export function compileSelector(settings: {
  hosts?: readonly string[];
  groups?: readonly string[];
  labels?: LabelSelector;
}): HostSelector {
  const select: HostSelector = {};
  if (settings.hosts) select.hosts = new Set(settings.hosts);
  if (settings.groups) select.groups = new Set(settings.groups);
  if (settings.labels) {
    select.labels = new Map(
      Object.entries(settings.labels).map(([k, v]) => [k, new Set(typeof v === 'string' ? [v] : v)]),
    );
  }
  return select;
}

export function compileRule(settings: RuleSettings, ref: RuleRef): Rule {
  const rule: Rule = { ...ref, effect: settings.effect, select: compileSelector(settings) };
  if (settings.name !== undefined) rule.name = settings.name;
  if (settings.channels) rule.channels = new Set(settings.channels);
  if (settings.users) rule.users = new Set(settings.users);
  if (settings.userGroups) rule.userGroups = [...new Set(settings.userGroups)];
  return rule;
}

/**
 * Every label named must match; hosts and groups, when given, name the hosts covered (either
 * list may name it). A selector with nothing in it covers every host.
 */
export function selects(select: HostSelector, host: PolicyHost): boolean {
  for (const [key, values] of select.labels ?? []) {
    const value = host.labels[key];
    if (value === undefined || !values.has(value)) return false;
  }
  if (!select.hosts && !select.groups) return true;
  return (select.hosts?.has(host.name) ?? false) || host.groups.some((g) => select.groups?.has(g) ?? false);
}

export function inChannel(rule: Rule, actor: Actor): boolean {
  return !rule.channels || rule.channels.has(actor.channelId);
}

export interface WhoMatch {
  matched: boolean;
  /** User groups whose members could not be listed: the answer may be wrong. */
  failures: { groupId: string; message: string }[];
  /** An open allow rule did not match: the actor is not (known to be) of the app's workspace. */
  outsider?: Exclude<Belonging, { kind: 'ours' }>;
}

/**
 * Whether the rule's users or user groups include the actor. A rule naming neither: an allow rule
 * admits anyone of the app's own workspace (not a Slack Connect guest), a deny rule denies everyone.
 * Users named in `users` match whatever their workspace: naming someone is an explicit choice.
 */
export async function isWho(
  rule: Rule,
  actor: Actor,
  membership: GroupMembership,
  belonging: () => Promise<Belonging>,
): Promise<WhoMatch> {
  if (!rule.users && !rule.userGroups) {
    if (rule.effect === 'deny') return { matched: true, failures: [] };
    const b = await belonging();
    return b.kind === 'ours'
      ? { matched: true, failures: [] }
      : { matched: false, failures: [], outsider: b };
  }
  if (rule.users?.has(actor.userId)) return { matched: true, failures: [] };
  const failures: WhoMatch['failures'] = [];
  for (const groupId of rule.userGroups ?? []) {
    try {
      const members = await membership.usersOf(groupId);
      if (members.includes(actor.userId)) return { matched: true, failures: [] };
    } catch (err) {
      const message =
        err instanceof GroupMembershipError ? err.why : err instanceof Error ? err.message : String(err);
      failures.push({ groupId, message });
    }
  }
  return { matched: false, failures };
}
