/**
 * The words of a decision's reason, which the person who asked reads in Slack: rules by their
 * name, channels and groups by the names the policy gives them (ids otherwise).
 */
import type { HostSelector, Rule } from './rules.js';

export class Names {
  constructor(private readonly names: ReadonlyMap<string, string>) {}

  channel(id: string): string {
    const name = this.names.get(id);
    return name ? `#${name}` : `channel ${id}`;
  }

  user(id: string): string {
    const name = this.names.get(id);
    return name ? `@${name}` : `user ${id}`;
  }

  group(id: string): string {
    const name = this.names.get(id);
    return name ? `@${name}` : `user group ${id}`;
  }
}

/** "a", "a or b", "a, b or c". */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

export function ruleText(rule: Rule): string {
  return rule.name ? `rule "${rule.name}" (${rule.path})` : `rule ${rule.path}`;
}

/** `env=prod`, `web-1`, `group web`, `env=prod on web-1`; "every host" for an empty selector. */
export function scopeText(select: HostSelector): string {
  const labels = [...(select.labels ?? [])].map(([k, values]) => `${k}=${[...values].join('|')}`);
  const named = [...(select.hosts ?? []), ...[...(select.groups ?? [])].map((g) => `group ${g}`)];
  if (labels.length === 0 && named.length === 0) return 'every host';
  if (named.length === 0) return labels.join(', ');
  return labels.length === 0 ? orList(named) : `${labels.join(', ')} on ${orList(named)}`;
}

/** Who a rule lets act, and where: "@sre-oncall in #ops-incidents", "anyone of this workspace in #web". */
export function audienceText(rule: Rule, names: Names): string {
  const who = [...(rule.users ?? [])].map((u) => names.user(u));
  who.push(...(rule.userGroups ?? []).map((g) => names.group(g)));
  const where = [...(rule.channels ?? [])].map((c) => names.channel(c));
  // An open allow rule admits the app's own workspace only (src/policy/workspace.ts).
  const whoText = who.length > 0 ? orList(who) : 'anyone of this workspace';
  return where.length > 0 ? `${whoText} in ${orList(where)}` : whoText;
}
