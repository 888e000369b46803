/**
 * Slack's limits, enforced in one place so no input (200 findings, a 10k-character log line, a
 * 500-host group) can make the API refuse a message: a refused report is a report nobody sees.
 * Builders lay out a message as parts in priority order; fitMessage clamps every field and drops
 * optional parts from the end, leaving a note that says how many went and where to see them.
 */
import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  KnownBlock,
  PlainTextElement,
  SectionBlock,
  TextObject,
} from '@slack/types';
import { context, type SlackMessage } from './elements.js';
import { oneLine, plural, truncate, truncateMrkdwn } from './mrkdwn.js';

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  fallbackText: 40_000,
} as const;

/**
 * chat.postMessage also refuses a message whose text adds up to more than about 12,000 characters
 * (`msg_blocks_too_long`; undocumented, seen at 11-13k: slackapi/bolt-js#2509, #2867). 10,000
 * leaves room for what Slack counts that we do not.
 */
export const TEXT_BUDGET = 10_000;

/** The fallback shows in notifications, where only the first line or so is read. */
export const FALLBACK_BUDGET = 1_000;

export interface MessagePart {
  blocks: KnownBlock[];
  /**
   * Set on parts the message can do without, naming what one is ("finding", "host", "line") for the
   * note. They go last first, so builders list them most important first.
   */
  unit?: string;
}

export interface FitInput {
  text: string;
  parts: readonly MessagePart[];
  /** Where the whole is, for the note: "see `fpm-medic diagnose web-1` or Raw evidence". */
  moreHint?: string;
  textBudget?: number;
}

export function fitMessage(input: FitInput): SlackMessage {
  const budget = input.textBudget ?? TEXT_BUDGET;
  const parts = input.parts.map((p) => {
    const blocks = p.blocks.map(clampBlock).filter((b): b is KnownBlock => b !== null);
    return { blocks, unit: p.unit, chars: textLength(blocks), kept: true };
  });
  let blocks = parts.reduce((n, p) => n + p.blocks.length, 0);
  let chars = parts.reduce((n, p) => n + p.chars, 0);
  const noteChars = 300;
  const over = (dropped: boolean) =>
    blocks + (dropped ? 1 : 0) > SLACK_LIMITS.blocks || chars + (dropped ? noteChars : 0) > budget;

  let dropped = false;
  for (let i = parts.length - 1; i >= 0 && over(dropped); i--) {
    const part = parts[i]!;
    if (part.unit === undefined || part.blocks.length === 0) continue;
    part.kept = false;
    dropped = true;
    blocks -= part.blocks.length;
    chars -= part.chars;
  }

  const out: KnownBlock[] = [];
  let noted = false;
  for (const part of parts) {
    if (part.kept) {
      out.push(...part.blocks);
    } else if (!noted) {
      out.push(moreNote(parts, input.moreHint));
      noted = true;
    }
  }
  // Required parts are sized by their builders; this only guards against a builder's mistake.
  const blocksOut = out.length > SLACK_LIMITS.blocks ? out.slice(0, SLACK_LIMITS.blocks) : out;
  return { text: fallback(input.text), blocks: uniqueBlockIds(shrinkTexts(blocksOut, budget)) };
}

/**
 * The last resort when what must stay is still over budget: the longest texts are cut to one
 * common length, so short ones (labels, buttons, the verdict) stay whole.
 */
function shrinkTexts(blocks: KnownBlock[], budget: number): KnownBlock[] {
  if (textLength(blocks) <= budget) return blocks;
  const copy = structuredClone(blocks);
  const texts: TextObject[] = [];
  collectTexts(copy, texts);
  const lengths = texts.map((t) => t.text.length);
  const fits = (cap: number) => lengths.reduce((n, len) => n + Math.min(len, cap), 0) <= budget;
  let lo = 1;
  let hi = Math.max(...lengths);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  for (const t of texts) {
    if (t.text.length > lo) t.text = t.type === 'mrkdwn' ? truncateMrkdwn(t.text, lo) : truncate(t.text, lo);
  }
  return copy;
}

function collectTexts(value: unknown, out: TextObject[]): void {
  if (Array.isArray(value)) {
    for (const v of value) collectTexts(v, out);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string')
      out.push(o as unknown as TextObject);
    else for (const v of Object.values(o)) collectTexts(v, out);
  }
}

function moreNote(
  parts: readonly { unit?: string; kept: boolean }[],
  hint: string | undefined,
): ContextBlock {
  const counts = new Map<string, number>();
  for (const p of parts) if (!p.kept && p.unit) counts.set(p.unit, (counts.get(p.unit) ?? 0) + 1);
  const what = [...counts].map(([unit, n]) => `${plural(n, `more ${unit}`, `more ${unit}s`)}`).join(', ');
  return context([`…${what}${hint ? ` (${hint})` : ''}`]);
}

function fallback(text: string): string {
  const short = truncateMrkdwn(text.trim(), FALLBACK_BUDGET);
  return short === '' ? 'fpm-medic' : short;
}

/** Every string Slack shows, as far as the cumulative limit is concerned. */
export function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textLength(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  for (const [key, v] of Object.entries(value)) {
    n += key === 'text' && typeof v === 'string' ? v.length : textLength(v);
  }
  return n;
}

function clampText<T extends TextObject>(t: T, max: number): T {
  const text = t.type === 'mrkdwn' ? truncateMrkdwn(t.text, max) : truncate(t.text, max);
  // Slack refuses empty text objects.
  return { ...t, text: text.trim() === '' ? '-' : text };
}

function clampPlain(t: PlainTextElement, max: number): PlainTextElement {
  return clampText({ ...t, text: oneLine(t.text) }, max);
}

export function clampBlock(block: KnownBlock): KnownBlock | null {
  const clamped = clampBlockBody(block);
  if (clamped?.block_id !== undefined)
    clamped.block_id = truncate(clamped.block_id, SLACK_LIMITS.blockId, '');
  return clamped;
}

function clampBlockBody(block: KnownBlock): KnownBlock | null {
  switch (block.type) {
    case 'header':
      return { ...block, text: clampPlain(block.text, SLACK_LIMITS.headerText) };
    case 'section':
      return clampSection(block);
    case 'context':
      return clampContext(block);
    case 'actions':
      return clampActions(block);
    default:
      return { ...block };
  }
}

function clampSection(block: SectionBlock): SectionBlock {
  const out: SectionBlock = { ...block };
  if (block.text) out.text = clampText(block.text, SLACK_LIMITS.sectionText);
  if (block.fields) {
    out.fields = block.fields
      .slice(0, SLACK_LIMITS.sectionFields)
      .map((f) => clampText(f, SLACK_LIMITS.sectionFieldText));
  }
  if (!out.text && !out.fields?.length) out.text = { type: 'mrkdwn', text: '-' };
  if (block.accessory?.type === 'button') {
    const button = clampButton(block.accessory);
    if (button) out.accessory = button;
    else delete out.accessory;
  }
  return out;
}

function clampContext(block: ContextBlock): ContextBlock {
  const max = SLACK_LIMITS.contextElements;
  let elements = block.elements;
  if (elements.length > max) {
    const more = elements.length - (max - 1);
    elements = [...elements.slice(0, max - 1), { type: 'mrkdwn', text: `…and ${more} more` }];
  }
  return {
    ...block,
    elements: elements.map((e) =>
      e.type === 'mrkdwn' || e.type === 'plain_text' ? clampText(e, SLACK_LIMITS.contextText) : e,
    ),
  };
}

function clampActions(block: ActionsBlock): ActionsBlock | null {
  const elements = block.elements
    .map((e) => (e.type === 'button' ? clampButton(e) : e))
    .filter((e) => e !== null)
    .slice(0, SLACK_LIMITS.actionsElements);
  return elements.length === 0 ? null : { ...block, elements };
}

/**
 * A value or action id cannot be shortened without breaking whatever reads it back, so such a
 * button is left out: a report with one button fewer beats a report Slack refuses.
 */
function clampButton(b: Button): Button | null {
  if ((b.value?.length ?? 0) > SLACK_LIMITS.buttonValue) return null;
  if ((b.action_id?.length ?? 0) > SLACK_LIMITS.actionId) return null;
  const out: Button = { ...b, text: clampPlain(b.text, SLACK_LIMITS.buttonText) };
  if (b.accessibility_label)
    out.accessibility_label = truncate(b.accessibility_label, SLACK_LIMITS.buttonText);
  if (b.confirm) out.confirm = clampConfirm(b.confirm);
  return out;
}

function clampConfirm(c: ConfirmationDialog): ConfirmationDialog {
  return {
    ...c,
    text: clampText(c.text, SLACK_LIMITS.confirmText),
    ...(c.title ? { title: clampPlain(c.title, SLACK_LIMITS.confirmTitle) } : {}),
    ...(c.confirm ? { confirm: clampPlain(c.confirm, SLACK_LIMITS.confirmButton) } : {}),
    ...(c.deny ? { deny: clampPlain(c.deny, SLACK_LIMITS.confirmButton) } : {}),
  };
}

/** Slack refuses a message with a repeated block_id (two findings of one runbook, say). */
function uniqueBlockIds(blocks: KnownBlock[]): KnownBlock[] {
  const seen = new Set<string>();
  return blocks.map((b) => {
    if (b.block_id === undefined) return b;
    let id = b.block_id;
    for (let n = 2; seen.has(id); n++) id = `${truncate(b.block_id, SLACK_LIMITS.blockId - 6, '')}~${n}`;
    seen.add(id);
    return id === b.block_id ? b : { ...b, block_id: id };
  });
}
