/**
 * `/fpm hosts`: what the inventory holds, so people can find the name to type. Addresses and SSH
 * settings are left out on purpose: they are not needed to ask for a diagnosis and need not be in
 * a channel's history.
 */
import type { KnownBlock } from '@slack/types';
import type { Inventory, ResolvedHost } from '../../config/types.js';
import { context, header, type SlackMessage, section } from './elements.js';
import { fitMessage, SLACK_LIMITS } from './limits.js';
import { packLines, takeLines } from './lines.js';
import { code, escapeMrkdwn, plural, truncate } from './mrkdwn.js';

const LINE_MAX = 250;
const HOSTS_BUDGET = 5000;
const GROUPS_BUDGET = 2500;

export function hostsMessage(inventory: Inventory, options: { maxLines?: number } = {}): SlackMessage {
  const maxLines = options.maxLines ?? 60;
  const hosts = takeLines([...inventory.hosts.values()].map(hostLine), maxLines, HOSTS_BUDGET);
  if (hosts.omitted) hosts.shown.push(`…and ${plural(hosts.omitted, 'more host')}`);
  const groups = takeLines(
    [...inventory.groups].map(([name, members]) =>
      truncate(
        `*${escapeMrkdwn(name)}* (${members.length}): ${members.map(escapeMrkdwn).join(', ')}`,
        LINE_MAX,
      ),
    ),
    maxLines,
    GROUPS_BUDGET,
  );
  if (groups.omitted) groups.shown.push(`…and ${plural(groups.omitted, 'more group')}`);

  const summary = `${plural(inventory.hosts.size, 'host')}, ${plural(inventory.groups.size, 'group')}`;
  const max = SLACK_LIMITS.sectionText - 100;
  const blocks: KnownBlock[] = [
    header(`Inventory: ${summary}`, 'hosts-head'),
    ...packLines(hosts.shown.length ? hosts.shown : ['(no hosts)'], max).map((t, i) =>
      section(t, `hosts-${i}`),
    ),
  ];
  if (groups.shown.length) {
    blocks.push(...packLines(['*Groups*', ...groups.shown], max).map((t, i) => section(t, `groups-${i}`)));
  }
  blocks.push(context([`Diagnose one: ${code('/fpm diagnose HOST|GROUP')}`], 'hosts-foot'));
  return fitMessage({ text: `Inventory: ${summary}`, parts: [{ blocks }] });
}

function hostLine(h: ResolvedHost): string {
  const labels = Object.entries(h.labels).map(([k, v]) => `${k}=${v}`);
  const parts = [`*${escapeMrkdwn(h.name)}*`];
  if (h.local) parts.push('_local_');
  if (labels.length) parts.push(code(labels.join(' '), 120));
  if (h.groups.length) parts.push(`groups: ${h.groups.map(escapeMrkdwn).join(', ')}`);
  return truncate(parts.join(' · '), LINE_MAX);
}
