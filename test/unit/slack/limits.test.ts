import type { ActionsBlock, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { parseActionValue } from '../../../src/slack/blocks/action-value.js';
import { button, confirmDialog, context, header, section } from '../../../src/slack/blocks/elements.js';
import { fitMessage, SLACK_LIMITS, TEXT_BUDGET } from '../../../src/slack/blocks/limits.js';
import {
  code,
  codeBlock,
  escapeMrkdwn,
  link,
  truncate,
  truncateMrkdwn,
  userMention,
} from '../../../src/slack/blocks/mrkdwn.js';
import { allText, assertWithinSlackLimits, slackLimitViolations } from './helpers.js';

describe('mrkdwn escaping', () => {
  it('escapes the three characters Slack reads as markup', () => {
    expect(escapeMrkdwn('<!channel> & <https://evil|x>')).toBe(
      '&lt;!channel&gt; &amp; &lt;https://evil|x&gt;',
    );
  });

  it('drops control and bidi-override characters', () => {
    expect(escapeMrkdwn('a\u0000b\u001b[31mc\u202ed\tx\ny')).toBe('ab[31mcd\tx\ny');
  });

  it('inline code cannot be closed early', () => {
    expect(code('a`b <!here>')).toBe('`aˋb &lt;!here&gt;`');
  });

  it('links only http(s) URLs, with a label that cannot break the markup', () => {
    expect(link('https://wiki.example.com/a b|c>', 'x|y <z>')).toBe(
      '<https://wiki.example.com/a%20b%7Cc%3E|x¦y &lt;z&gt;>',
    );
    expect(link('javascript:alert(1)', 'x')).toBe('`javascript:alert(1)`');
    expect(link('runbooks/x.md', 'x')).toBe('`runbooks/x.md`');
  });

  it('mentions only real user ids', () => {
    expect(userMention('U012ABCDEF')).toBe('<@U012ABCDEF>');
    expect(userMention('<!channel>')).toBe('&lt;!channel&gt;');
  });
});

describe('truncation', () => {
  it('never splits a surrogate pair, an entity, a link or a code fence', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncateMrkdwn('x &amp; y', 5)).toBe('x …');
    expect(truncateMrkdwn('see <https://example.com/long|the runbook>', 20)).toBe('see …');
    const cut = truncateMrkdwn('text\n```\nline 1\nline 2\nline 3\n```', 20);
    expect(cut.length).toBeLessThanOrEqual(20);
    expect(cut.match(/```/g)).toHaveLength(2);
  });

  it('code blocks count the lines they leave out', () => {
    const block = codeBlock(
      Array.from({ length: 100 }, (_, i) => `line ${i}`),
      120,
    );
    expect(block.length).toBeLessThanOrEqual(120);
    expect(block).toMatch(/^```\nline 0\n[\s\S]*\n…\d+ more lines\n```$/);
    const shown = block.split('\n').filter((l) => l.startsWith('line ')).length;
    expect(block).toContain(`…${100 - shown} more lines`);
  });
});

describe('fitMessage', () => {
  it('clamps every field to its Slack limit', () => {
    const long = 'x'.repeat(50_000);
    const m = fitMessage({
      text: long,
      parts: [
        {
          blocks: [
            header(long),
            section(long),
            context(Array.from({ length: 30 }, () => long)),
            {
              type: 'actions',
              elements: Array.from({ length: 40 }, (_, i) =>
                button({
                  text: long,
                  actionId: `a${i}`,
                  value: 'v',
                  confirm: confirmDialog({ title: long, text: long, confirm: long, deny: long }),
                }),
              ),
            },
          ],
        },
      ],
    });
    assertWithinSlackLimits(m);
    expect(m.text.length).toBeLessThanOrEqual(1000);
    expect((m.blocks[2] as ContextBlock).elements).toHaveLength(SLACK_LIMITS.contextElements);
    expect(JSON.stringify((m.blocks[2] as ContextBlock).elements.at(-1))).toContain('…and 21 more');
    expect((m.blocks[3] as ActionsBlock).elements).toHaveLength(SLACK_LIMITS.actionsElements);
  });

  it('drops a button whose value is too long rather than cutting it', () => {
    const m = fitMessage({
      text: 't',
      parts: [
        {
          blocks: [
            {
              type: 'actions',
              elements: [
                button({ text: 'ok', actionId: 'ok', value: 'v' }),
                button({ text: 'big', actionId: 'big', value: 'v'.repeat(2001) }),
              ],
            },
          ],
        },
      ],
    });
    assertWithinSlackLimits(m);
    expect((m.blocks[0] as ActionsBlock).elements.map((e) => e.action_id)).toEqual(['ok']);
  });

  it('drops optional parts from the end, keeps required ones, and notes what went', () => {
    const parts = [
      { blocks: [header('head')] },
      ...Array.from({ length: 80 }, (_, i) => ({ blocks: [section(`finding ${i}`)], unit: 'finding' })),
      { blocks: [context(['footer'])] },
    ];
    const m = fitMessage({ text: 't', parts, moreHint: 'see the CLI' });
    assertWithinSlackLimits(m);
    expect(m.blocks).toHaveLength(SLACK_LIMITS.blocks);
    const text = allText(m);
    expect(text).toContain('finding 0');
    // header + 47 findings + the note + the footer = 50 blocks.
    expect(text).toContain('finding 46');
    expect(text).not.toContain('finding 47');
    expect(text).toContain('…33 more findings (see the CLI)');
    expect(text.endsWith('footer')).toBe(true);
  });

  it('keeps the cumulative text under the budget Slack enforces on chat.postMessage', () => {
    const parts = Array.from({ length: 20 }, (_, i) => ({
      blocks: [section(`${i} ${'y'.repeat(2900)}`)],
      unit: 'line',
    }));
    const m = fitMessage({ text: 't', parts });
    assertWithinSlackLimits(m);
    expect(JSON.stringify(m.blocks).length).toBeLessThan(TEXT_BUDGET + 2000);
    expect(allText(m)).toMatch(/…\d+ more lines$/);
  });

  it('makes repeated block ids unique', () => {
    const blocks: KnownBlock[] = [section('a', 'same'), section('b', 'same'), section('c', 'same')];
    const m = fitMessage({ text: 't', parts: [{ blocks }] });
    expect(m.blocks.map((b) => b.block_id)).toEqual(['same', 'same~2', 'same~3']);
    assertWithinSlackLimits(m);
  });

  it('the checker itself catches what Slack would refuse', () => {
    const bad = {
      text: '',
      blocks: [
        section('<!channel>', 'x'),
        section('```open', 'x'),
        { type: 'section', text: { type: 'mrkdwn', text: 'z'.repeat(3001) } } as SectionBlock,
      ],
    };
    expect(slackLimitViolations(bad)).toEqual([
      'text: empty fallback',
      'blocks[0] (section).text: raw markup at "!channel>"',
      'blocks[1] (section): duplicate block_id x',
      'blocks[1] (section).text: unbalanced ``` fence',
      'blocks[2] (section).text: 3001 > 3000 characters',
    ]);
  });
});

describe('button values', () => {
  it('refuse anything but our own names', () => {
    const good = { host: 'web-1', runbook: 'pool-exhausted', action: 'fpm-reload', reportId: 'job-1' };
    expect(parseActionValue(JSON.stringify(good))).toEqual(good);
    for (const bad of [
      { ...good, host: 'web-1; reboot' },
      { ...good, action: 'rm-rf' },
      { ...good, runbook: '../x' },
      { ...good, reportId: '' },
    ]) {
      expect(parseActionValue(JSON.stringify(bad))).toBeNull();
    }
    expect(parseActionValue('not json')).toBeNull();
    expect(parseActionValue('[]')).toBeNull();
  });
});
