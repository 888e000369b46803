import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  SectionBlock,
} from '@slack/types';
import { plainText } from './mrkdwn.js';

/**
 * What every builder returns: `text` is the notification and screen-reader fallback, `blocks` the
 * message. Builders put only escaped strings into mrkdwn; fitMessage (limits.ts) sizes the result.
 */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

// verbatim: Slack would otherwise turn bare URLs and #names from logs into live links.
export function section(mrkdwn: string, blockId?: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: mrkdwn, verbatim: true }, ...id(blockId) };
}

export function header(text: string, blockId?: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: plainText(text), emoji: true }, ...id(blockId) };
}

export function context(mrkdwn: readonly string[], blockId?: string): ContextBlock {
  return {
    type: 'context',
    elements: mrkdwn.map((text) => ({ type: 'mrkdwn', text, verbatim: true })),
    ...id(blockId),
  };
}

export function actions(elements: Button[], blockId?: string): ActionsBlock {
  return { type: 'actions', elements, ...id(blockId) };
}

export function button(options: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmationDialog;
}): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: plainText(options.text), emoji: true },
    action_id: options.actionId,
    value: options.value,
    ...(options.style ? { style: options.style } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
  };
}

export function confirmDialog(options: {
  title: string;
  text: string;
  confirm: string;
  deny?: string;
  danger?: boolean;
}): ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: plainText(options.title) },
    text: { type: 'plain_text', text: plainText(options.text) },
    confirm: { type: 'plain_text', text: plainText(options.confirm) },
    deny: { type: 'plain_text', text: plainText(options.deny ?? 'Cancel') },
    ...(options.danger ? { style: 'danger' as const } : {}),
  };
}

function id(blockId: string | undefined): { block_id?: string } {
  return blockId === undefined ? {} : { block_id: blockId };
}
