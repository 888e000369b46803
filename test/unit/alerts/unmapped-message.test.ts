import { describe, expect, it } from 'vitest';
import { unmappedAlertMessage } from '../../../src/slack/blocks/alert-unmapped.js';

describe('the unmapped alert message', () => {
  it('shows the labels and what was tried, redacted and escaped', () => {
    const message = unmappedAlertMessage({
      alertname: 'PhpFpmDown',
      status: 'firing',
      source: 'alertmanager',
      summary: 'down <!channel>',
      labels: { instance: '10.9.9.9:9253', dsn: 'mysql://app:hunter2secret@db/app' },
      tried: ['instance=10.9.9.9:9253'],
      ambiguous: ['10.0.0.50 is the address of edge-a, edge-b'],
      hostLabels: ['instance'],
    });
    const text = `${message.text}${JSON.stringify(message.blocks)}`;
    expect(text).toContain('Unmapped alert PhpFpmDown');
    expect(text).toContain('instance=\\"10.9.9.9:9253\\"');
    expect(text).toContain('Tried `instance=10.9.9.9:9253`');
    expect(text).toContain('10.0.0.50 is the address of edge-a, edge-b');
    expect(text).not.toContain('hunter2secret');
    expect(text).not.toContain('<!channel>');
  });

  it('without any host label it says which labels it looks for', () => {
    const message = unmappedAlertMessage({
      alertname: 'X',
      status: 'firing',
      source: 'generic',
      labels: { job: 'php' },
      tried: [],
      ambiguous: [],
      hostLabels: ['fpm_medic_host', 'instance'],
    });
    expect(JSON.stringify(message.blocks)).toContain(
      'It has none of the labels that name a host (`fpm_medic_host`, `instance`)',
    );
  });
});
