import type { SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { rawEvidenceMessage } from '../../../src/slack/blocks/raw-evidence.js';
import { allText, assertWithinSlackLimits, mrkdwnText } from './helpers.js';

const sections = (m: ReturnType<typeof rawEvidenceMessage>) =>
  m.blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text!.text);

describe('rawEvidenceMessage', () => {
  it('each probe output in a code block under its name', () => {
    const m = rawEvidenceMessage({
      host: 'web-1',
      outputs: [
        { probe: 'runtime', text: 'pool www\nactive processes: 10\n' },
        {
          probe: 'logs',
          text: '2026/11/20 [error] connect() to unix:/run/php.sock failed (11: Resource temporarily unavailable)',
        },
      ],
    });
    assertWithinSlackLimits(m);
    expect(sections(m)).toEqual([
      '*runtime*\n```\npool www\nactive processes: 10\n```',
      '*logs*\n```\n2026/11/20 [error] connect() to unix:/run/php.sock failed (11: Resource temporarily unavailable)\n```',
    ]);
    expect(allText(m)).toContain('Only you can see this');
  });

  it('a big output is split across blocks, cut with a count of what is not shown', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    const m = rawEvidenceMessage({ host: 'web-1', outputs: [{ probe: 'logs', text: lines.join('\n') }] });
    assertWithinSlackLimits(m);
    const texts = sections(m);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts[0]!.startsWith('*logs*\n```\nline 0 ')).toBe(true);
    // Lines are never split between blocks, and they come in order.
    const shown = texts.flatMap((t) => t.split('\n').filter((l) => l.startsWith('line ')));
    expect(shown.map((l) => Number(l.split(' ')[1]))).toEqual(shown.map((_, i) => i));
    expect(texts.at(-1)).toContain(`_…${5000 - shown.length} more lines of logs not shown_`);
  });

  it('one huge output does not crowd out the others', () => {
    const m = rawEvidenceMessage({
      host: 'web-1',
      outputs: [
        { probe: 'logs', text: 'y'.repeat(10_000).concat('\n').repeat(200) },
        { probe: 'runtime', text: 'small output' },
        { probe: 'config', text: '' },
      ],
    });
    assertWithinSlackLimits(m);
    const text = allText(m);
    expect(text).toContain('*runtime*\n```\nsmall output\n```');
    expect(text).toContain('*config*\n_no output_');
    expect(text).toMatch(/…\d+ more lines of logs not shown/);
  });

  it('hundreds of outputs: the ones that do not fit are named', () => {
    const outputs = Array.from({ length: 200 }, (_, i) => ({
      probe: `probe-${i}`,
      text: `output ${i}\n`.repeat(50),
    }));
    const m = rawEvidenceMessage({ host: 'web-1', outputs });
    assertWithinSlackLimits(m);
    expect(allText(m)).toMatch(/…\d+ more outputs not shown: `probe-\d+`/);
  });

  it('log text cannot inject markup or close the code block', () => {
    const m = rawEvidenceMessage({
      host: 'web-1',
      outputs: [
        {
          probe: 'logs',
          text: '<!channel>\n```\n<https://evil.example.com|login>\n<@U0ADMIN>\n*bold* & more',
        },
      ],
    });
    assertWithinSlackLimits(m);
    const text = mrkdwnText(m);
    expect(text).not.toMatch(/<!|<https|<@/);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('*bold* &amp; more');
    expect(text.match(/```/g)).toHaveLength(2);
  });
});
