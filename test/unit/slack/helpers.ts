import { expect } from 'vitest';
import { parseInventory } from '../../../src/config/inventory.js';
import type { HostFacts } from '../../../src/facts/types.js';
import { buildHostReport, type HostReport } from '../../../src/report/host-report.js';
import { evaluateRunbooks } from '../../../src/runbooks/engine.js';
import type { EvidenceMap } from '../../../src/runbooks/types.js';
import type { SlackMessage } from '../../../src/slack/blocks/elements.js';
import { HOME, yaml } from '../config/helpers.js';
import { shippedRunbooks } from '../runbooks/helpers.js';
import { SCENARIOS } from '../runbooks/scenarios.js';

/**
 * Slack's limits, written out again here rather than imported: the test checks the builders
 * against Slack's documentation, not against our own constants.
 */
const MAX = {
  blocks: 50,
  section: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  value: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  fallback: 40_000,
  // chat.postMessage's undocumented cumulative limit (msg_blocks_too_long) is ~12k characters.
  cumulative: 12_000,
};

type Obj = Record<string, unknown>;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function slackLimitViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string): void => {
    problems.push(`${where}: ${what}`);
  };
  const text = (where: string, t: unknown, max: number, kind?: 'plain_text' | 'mrkdwn'): void => {
    const o = t as Obj | undefined;
    if (!o || typeof o.text !== 'string') {
      fail(where, 'missing text object');
      return;
    }
    if (kind && o.type !== kind) fail(where, `expected ${kind}, got ${String(o.type)}`);
    if (o.text.trim() === '') fail(where, 'empty text');
    if (o.text.length > max) fail(where, `${o.text.length} > ${max} characters`);
    if (LONE_SURROGATE.test(o.text)) fail(where, 'lone surrogate');
    if (o.type === 'mrkdwn') {
      if ((o.text.match(/```/g)?.length ?? 0) % 2) fail(where, 'unbalanced ``` fence');
      // The only markup we write is user mentions and http(s) links; any other "<" is injected.
      for (const m of o.text.matchAll(/</g)) {
        const rest = o.text.slice(m.index + 1);
        if (!/^(?:@[UW][A-Z0-9]+>|https?:\/\/[^\s<>|]+\|[^<>]*>)/.test(rest))
          fail(where, `raw markup at "${rest.slice(0, 20)}"`);
      }
    }
  };

  if (typeof message.text !== 'string' || message.text.trim() === '') fail('text', 'empty fallback');
  if (message.text.length > MAX.fallback) fail('text', `fallback ${message.text.length} characters`);
  if (message.blocks.length > MAX.blocks) fail('blocks', `${message.blocks.length} > ${MAX.blocks} blocks`);
  const shown = countText(message.blocks);
  if (shown > MAX.cumulative) fail('blocks', `${shown} text characters > ${MAX.cumulative}`);

  const ids = new Set<string>();
  message.blocks.forEach((block, i) => {
    const b = block as unknown as Obj;
    const where = `blocks[${i}] (${String(b.type)})`;
    if (b.block_id !== undefined) {
      const id = String(b.block_id);
      if (ids.has(id)) fail(where, `duplicate block_id ${id}`);
      if (id.length > MAX.blockId) fail(where, 'block_id too long');
      ids.add(id);
    }
    switch (b.type) {
      case 'header':
        text(`${where}.text`, b.text, MAX.header, 'plain_text');
        break;
      case 'section': {
        if (b.text !== undefined) text(`${where}.text`, b.text, MAX.section);
        const fields = (b.fields as unknown[] | undefined) ?? [];
        if (b.text === undefined && fields.length === 0) fail(where, 'neither text nor fields');
        if (fields.length > MAX.fields) fail(where, 'too many fields');
        for (const [j, f] of fields.entries()) text(`${where}.fields[${j}]`, f, MAX.field);
        if (b.accessory) button(`${where}.accessory`, b.accessory as Obj);
        break;
      }
      case 'context': {
        const elements = b.elements as Obj[];
        if (elements.length === 0 || elements.length > MAX.contextElements)
          fail(where, `${elements.length} context elements`);
        for (const [j, e] of elements.entries()) text(`${where}.elements[${j}]`, e, MAX.contextText);
        break;
      }
      case 'actions': {
        const elements = b.elements as Obj[];
        if (elements.length === 0 || elements.length > MAX.actionsElements)
          fail(where, `${elements.length} actions elements`);
        const actionIds = new Set<string>();
        elements.forEach((e, j) => {
          button(`${where}.elements[${j}]`, e);
          const id = String(e.action_id);
          if (actionIds.has(id)) fail(where, `duplicate action_id ${id}`);
          actionIds.add(id);
        });
        break;
      }
      case 'divider':
        break;
      default:
        fail(where, 'unexpected block type');
    }
  });

  function button(where: string, e: Obj) {
    if (e.type !== 'button') {
      fail(where, `unexpected element ${String(e.type)}`);
      return;
    }
    text(`${where}.text`, e.text, MAX.buttonText, 'plain_text');
    if (typeof e.value === 'string' && e.value.length > MAX.value) fail(where, 'value too long');
    if (typeof e.action_id !== 'string' || e.action_id.length > MAX.actionId) fail(where, 'bad action_id');
    const c = e.confirm as Obj | undefined;
    if (c) {
      text(`${where}.confirm.title`, c.title, MAX.confirmTitle, 'plain_text');
      text(`${where}.confirm.text`, c.text, MAX.confirmText);
      text(`${where}.confirm.confirm`, c.confirm, MAX.confirmButton, 'plain_text');
      text(`${where}.confirm.deny`, c.deny, MAX.confirmButton, 'plain_text');
    }
  }
  return problems;
}

export function assertWithinSlackLimits(message: SlackMessage): void {
  expect(slackLimitViolations(message)).toEqual([]);
}

function countText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countText(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.entries(value).reduce(
    (n, [k, v]) => n + (k === 'text' && typeof v === 'string' ? v.length : countText(v)),
    0,
  );
}

/** Every string a person sees, in order: for "does it say X" assertions. */
export function allText(message: SlackMessage): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(message.blocks);
  return out.join('\n');
}

export const inventory = parseInventory(
  yaml(
    'defaults: { ssh: { user: root, agent: true } }',
    'hosts:',
    '  web-1: { address: 10.0.0.11, labels: { env: prod, role: app } }',
    '  web-2: { address: 10.0.0.12, labels: { env: prod } }',
    '  db-1: { address: 10.0.0.21 }',
    '  web-1.example.com: { address: 10.0.0.13 }',
    '  bastion: { address: local }',
    'groups:',
    '  web: [web-2, web-1]',
    '  prod: [web-1, web-2, db-1]',
  ),
  'inventory.yaml',
  { homeDir: HOME },
);

export function facts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    host: 'web-1',
    collectedAt: '2026-11-20T03:00:00.000Z',
    window: { minutes: 15, seconds: 900, since: 0 },
    clock: { now: 900, uptimeSec: 1000, utcOffsetMin: 0 },
    fpm: { masters: [], globals: [], pools: [], php: {} },
    status: [],
    processes: [],
    listeners: [],
    connections: [],
    fpmLog: [],
    slowLog: [],
    accessLog: [],
    webErrors: [],
    oomKills: [],
    kernel: {},
    failures: [],
    probes: [
      { id: 'runtime', ok: true, ms: 30, bytes: 100 },
      { id: 'logs', ok: true, ms: 20, bytes: 100 },
    ],
    ...overrides,
  };
}

/** A report made by the real runbook engine from one of the runbook scenarios. */
export async function scenarioReport(
  scenario: keyof typeof SCENARIOS,
  evidence: EvidenceMap = {},
  overrides: Partial<HostFacts> = {},
): Promise<HostReport> {
  const findings = evaluateRunbooks(await shippedRunbooks(), { signals: SCENARIOS[scenario], evidence }, {});
  return buildHostReport({ facts: facts(overrides), findings, unreachable: false, durationMs: 840 });
}

/** The mrkdwn strings only: the ones Slack parses for mentions and links. */
export function mrkdwnText(message: SlackMessage): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      else Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return out.join('\n');
}
