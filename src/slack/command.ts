/**
 * `/fpm ...` text -> a validated command. Chat text is untrusted: it never leaves this module
 * except as an inventory name it was found equal to (DESIGN.md rule 1). Anything that is not a
 * plain word (quotes, mentions, links, shell characters, extra words) is a usage error, and the
 * error never echoes what was typed unless it is itself a plain name.
 */

import { UnknownHostError } from '../config/errors.js';
import { closest } from '../config/suggest.js';
import { resolveTargets } from '../config/targets.js';
import type { Inventory } from '../config/types.js';
import { NAME_RE } from '../config/values.js';
import { parseDurationSec } from '../util/duration.js';

export type SlackCommand =
  | {
      kind: 'diagnose';
      /** The host or group name, as the inventory spells it. */
      target: string;
      /** The hosts to diagnose, in the group's order. */
      hosts: readonly string[];
      group: boolean;
      /** --window, when given. */
      windowSec?: number;
    }
  | { kind: 'status'; host: string }
  | { kind: 'hosts' }
  | { kind: 'history'; host: string }
  | { kind: 'help' }
  | {
      kind: 'unknown-target';
      command: TargetVerb;
      /** What was typed; only ever a plain name (NAME_RE), so safe to show. */
      target: string;
      /** Closest inventory names, best first; may be empty. */
      suggestions: readonly string[];
      message: string;
    }
  | { kind: 'usage-error'; message: string };

export type TargetVerb = 'diagnose' | 'status' | 'history';

export const VERBS = ['diagnose', 'status', 'hosts', 'history', 'help'] as const;

// Far beyond any real command; longer text is refused before any work is done on it.
const MAX_TEXT = 300;

/** A word the parser will look at: names, durations, flags. Everything else is refused outright. */
const WORD_RE = /^[A-Za-z0-9._=-]+$/;
const DURATION_RE = /^\d+(?:\.\d+)?[smhd]?$/;

/**
 * Slack's "escape channels, users and links" setting turns a dotted host name into a link,
 * `<http://web-1.example.com|web-1.example.com>`. Only that exact shape is unwrapped: the label
 * must equal the address, so nothing but a plain name comes out.
 */
const AUTOLINK_RE = /^<https?:\/\/([A-Za-z0-9.-]+)\/?\|([A-Za-z0-9.-]+)>$/;

/**
 * Slack clients may render `--` as an em or en dash ("smart punctuation"); the flag is accepted
 * either way rather than failing someone typing in a hurry.
 */
const WINDOW_FLAG_RE = /^(?:--|\u2014|\u2013)window(?:=(.*))?$/;

export function parseSlackCommand(text: string, inventory: Inventory): SlackCommand {
  if (text.length > MAX_TEXT) return usage('That command is too long.');
  const raw = text.trim().split(/\s+/u).filter(Boolean);
  const words: string[] = [];
  for (const word of raw) {
    const unwrapped = unwrapAutolink(word);
    const flag = WINDOW_FLAG_RE.exec(unwrapped);
    const normalised = flag ? `--window${flag[1] === undefined ? '' : `=${flag[1]}`}` : unwrapped;
    if (!WORD_RE.test(normalised)) return usage(refusal(word));
    words.push(normalised);
  }

  const [first, ...args] = words;
  if (first === undefined) return { kind: 'help' };
  const verb = first.toLowerCase();
  switch (verb) {
    case 'help':
    case '--help':
    case '-h':
      return args.length ? usage('`help` takes no arguments.') : { kind: 'help' };
    case 'hosts':
      return args.length ? usage('`hosts` takes no arguments.') : { kind: 'hosts' };
    case 'diagnose':
      return diagnose(args, inventory);
    case 'status':
    case 'history':
      return hostCommand(verb, args, inventory);
  }
  if (NAME_RE.test(first) && (inventory.hosts.has(first) || inventory.groups.has(first))) {
    return usage(`Unknown command. To diagnose it: \`/fpm diagnose ${first}\`.`);
  }
  const [guess] = closest(verb, VERBS);
  return usage(guess ? `Unknown command; did you mean \`${guess}\`?` : 'Unknown command.');
}

function diagnose(args: readonly string[], inventory: Inventory): SlackCommand {
  const positional: string[] = [];
  let windowSec: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('-')) {
      if (!arg.startsWith('--window')) return usage('Unknown option; `diagnose` only takes `--window`.');
      if (windowSec !== undefined) return usage('`--window` is given twice.');
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      if (value === undefined) return usage('`--window` needs a duration, e.g. `--window 30m`.');
      const parsed = duration(value);
      if (parsed === null) return usage(BAD_WINDOW);
      windowSec = parsed;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length === 0) return usage('`diagnose` needs a host or group, e.g. `/fpm diagnose web-1`.');
  if (positional.length > 1) {
    return usage(
      'One host or group at a time: `/fpm diagnose HOST|GROUP` (a group diagnoses all its hosts).',
    );
  }
  const target = positional[0]!;
  if (!NAME_RE.test(target)) return usage(NAME_RULE);
  try {
    const hosts = resolveTargets(inventory, target).map((h) => h.name);
    if (hosts.length === 0) return usage(`Group \`${target}\` has no hosts.`);
    const group = !inventory.hosts.has(target);
    return { kind: 'diagnose', target, hosts, group, ...(windowSec === undefined ? {} : { windowSec }) };
  } catch (err) {
    if (!(err instanceof UnknownHostError)) throw err;
    return unknownTarget('diagnose', target, err.suggestions, 'host or group');
  }
}

function hostCommand(
  verb: 'status' | 'history',
  args: readonly string[],
  inventory: Inventory,
): SlackCommand {
  if (args.length === 0) return usage(`\`${verb}\` needs a host, e.g. \`/fpm ${verb} web-1\`.`);
  if (args.length > 1 || args[0]!.startsWith('-'))
    return usage(`\`${verb}\` takes one host: \`/fpm ${verb} HOST\`.`);
  const host = args[0]!;
  if (!NAME_RE.test(host)) return usage(NAME_RULE);
  if (inventory.hosts.has(host)) return { kind: verb, host };
  if (inventory.groups.has(host)) {
    return usage(
      `\`${host}\` is a group; \`${verb}\` takes one of its hosts, or try \`/fpm diagnose ${host}\`.`,
    );
  }
  return unknownTarget(verb, host, closest(host, inventory.hosts.keys()), 'host');
}

function unknownTarget(
  command: TargetVerb,
  target: string,
  suggestions: readonly string[],
  what: string,
): SlackCommand {
  const hint = suggestions.length
    ? `Did you mean ${suggestions.map((s) => `\`${s}\``).join(' or ')}?`
    : '`/fpm hosts` lists them.';
  return {
    kind: 'unknown-target',
    command,
    target,
    suggestions: [...suggestions],
    message: `Unknown ${what} \`${target}\`. ${hint}`,
  };
}

const NAME_RULE =
  "Host and group names are letters, digits, '.', '_' and '-', as in the inventory (`/fpm hosts` lists them).";
const BAD_WINDOW = '`--window` takes a duration such as `90s`, `30m` or `2h` (at most 7d).';

function duration(value: string): number | null {
  if (!DURATION_RE.test(value)) return null;
  try {
    return parseDurationSec(value);
  } catch {
    return null;
  }
}

function unwrapAutolink(word: string): string {
  const m = AUTOLINK_RE.exec(word);
  return m && m[1] === m[2] ? m[1]! : word;
}

/** Why a word was refused, by what it looks like; the word itself is not repeated. */
function refusal(word: string): string {
  if (/^<[@#!]/.test(word) || word.startsWith('@'))
    return 'Mentions and channels are not hosts. ' + NAME_RULE;
  if (/^<?(?:https?|ftp|mailto):/i.test(word)) return 'Links are not hosts. ' + NAME_RULE;
  if (/["'\u2018\u2019\u201c\u201d`]/.test(word)) return 'No quotes needed. ' + NAME_RULE;
  return NAME_RULE;
}

function usage(message: string): SlackCommand {
  return { kind: 'usage-error', message };
}
