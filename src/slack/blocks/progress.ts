/**
 * The message posted when a diagnosis is asked for, which the report then replaces, and the
 * short messages for when it cannot happen. Errors say what to do next, in one or two lines.
 */
import { context, type SlackMessage, section } from './elements.js';
import { fitMessage } from './limits.js';
import { code, escapeMrkdwn, oneLine, plural, truncate, userMention } from './mrkdwn.js';

export interface ProgressOptions {
  /** The host or group, from the inventory. */
  target: string;
  hostCount: number;
  state: 'queued' | 'running';
  requestedBy?: string;
  windowSec?: number;
}

export function diagnosisStartedMessage(o: ProgressOptions): SlackMessage {
  const what = `*${escapeMrkdwn(o.target)}*${o.hostCount > 1 ? ` (${plural(o.hostCount, 'host')})` : ''}`;
  const state =
    o.state === 'queued' ? 'queued, waiting for a worker' : 'running: reading processes, sockets and logs';
  const who = o.requestedBy ? ` for ${userMention(o.requestedBy)}` : '';
  const window = o.windowSec ? ` · last ${formatWindow(o.windowSec)} of logs` : '';
  return fitMessage({
    text: `Diagnosing ${escapeMrkdwn(o.target)}…`,
    parts: [
      {
        blocks: [
          section(`:hourglass_flowing_sand: Diagnosing ${what}${who}: ${state}…`, 'progress'),
          context([`The report replaces this message${window}.`], 'progress-note'),
        ],
      },
    ],
  });
}

export type SlackError =
  | { kind: 'host-unreachable'; host: string; detail: string }
  /** Redis (the job queue) cannot be reached: nothing can be queued. */
  | { kind: 'queue-unavailable' }
  | { kind: 'not-allowed'; what: string; user?: string }
  | { kind: 'unknown-target'; target: string; suggestions: readonly string[] }
  | { kind: 'failed'; detail: string }
  /** The bot cannot post in the channel (channel_not_found, not_in_channel, is_archived). */
  | { kind: 'channel-unreachable'; channel: string; error: string };

export function errorMessage(e: SlackError): SlackMessage {
  const text = errorText(e);
  return fitMessage({ text, parts: [{ blocks: [section(text, 'error')] }] });
}

function errorText(e: SlackError): string {
  switch (e.kind) {
    case 'host-unreachable':
      return (
        `:red_circle: Could not reach *${escapeMrkdwn(e.host)}*: ${escapeMrkdwn(truncate(oneLine(e.detail), 300))}\n` +
        `Check that the host is up and SSH answers from the bot's machine; its key must be in known_hosts.`
      );
    case 'queue-unavailable':
      return (
        ':warning: The job queue (Redis) is not answering, so nothing can be diagnosed from Slack right now. ' +
        `Run ${code('fpm-medic diagnose HOST')} on the bot's machine meanwhile.`
      );
    case 'not-allowed':
      return (
        `:no_entry: ${e.user ? `${userMention(e.user)}, you are` : 'You are'} not allowed to ` +
        `${escapeMrkdwn(truncate(oneLine(e.what), 200))}. The policy file (\`FPM_MEDIC_POLICY\`) decides who may.`
      );
    case 'unknown-target': {
      const hint = e.suggestions.length
        ? `Did you mean ${e.suggestions.map((s) => code(s)).join(' or ')}?`
        : `${code('/fpm hosts')} lists them.`;
      return `:grey_question: Unknown host or group ${code(e.target, 70)}. ${hint}`;
    }
    case 'failed':
      return `:x: The diagnosis failed: ${escapeMrkdwn(truncate(oneLine(e.detail), 300))}`;
    case 'channel-unreachable':
      return e.error === 'is_archived'
        ? `:warning: I cannot post in <#${e.channel}>: it is archived. Ask again in another channel.`
        : `:warning: I cannot post in <#${e.channel}> (${code(e.error)}): invite me with ${code('/invite @fpm-medic')}, then ask again.`;
  }
}

function formatWindow(sec: number): string {
  if (sec % 3600 === 0) return `${sec / 3600} h`;
  if (sec % 60 === 0) return `${sec / 60} min`;
  return `${Math.round(sec)} s`;
}
