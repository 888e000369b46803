import { describe, expect, it } from 'vitest';
import { parseSlackCommand, type SlackCommand } from '../../../src/slack/command.js';
import { inventory } from './helpers.js';

const parse = (text: string) => parseSlackCommand(text, inventory);

function usageError(text: string): string {
  const cmd = parse(text);
  expect(cmd.kind, `"${text}" should be a usage error`).toBe('usage-error');
  return (cmd as Extract<SlackCommand, { kind: 'usage-error' }>).message;
}

describe('parseSlackCommand: valid commands', () => {
  it('diagnose a host', () => {
    expect(parse('diagnose web-1')).toEqual({
      kind: 'diagnose',
      target: 'web-1',
      hosts: ['web-1'],
      group: false,
    });
  });

  it('diagnose a group gives its members in group order', () => {
    expect(parse('diagnose web')).toEqual({
      kind: 'diagnose',
      target: 'web',
      hosts: ['web-2', 'web-1'],
      group: true,
    });
  });

  it('--window in every spelling Slack may send', () => {
    for (const text of [
      'diagnose web-1 --window 30m',
      'diagnose --window 30m web-1',
      'diagnose web-1 --window=30m',
      'diagnose web-1 \u2014window 30m', // Slack's smart punctuation turns -- into an em dash
      'diagnose web-1 \u2013window=30m',
    ]) {
      expect(parse(text), text).toEqual({
        kind: 'diagnose',
        target: 'web-1',
        hosts: ['web-1'],
        group: false,
        windowSec: 1800,
      });
    }
    expect(parse('diagnose web --window 2h')).toMatchObject({ kind: 'diagnose', windowSec: 7200 });
    expect(parse('diagnose web --window 90s')).toMatchObject({ windowSec: 90 });
  });

  it('status, history, hosts and help', () => {
    expect(parse('status web-2')).toEqual({ kind: 'status', host: 'web-2' });
    expect(parse('history db-1')).toEqual({ kind: 'history', host: 'db-1' });
    expect(parse('hosts')).toEqual({ kind: 'hosts' });
    expect(parse('help')).toEqual({ kind: 'help' });
    expect(parse('')).toEqual({ kind: 'help' });
    expect(parse('   ')).toEqual({ kind: 'help' });
  });

  it('the verb is case-insensitive and extra whitespace (tabs, no-break spaces) is ignored', () => {
    expect(parse('  Diagnose\t web-1 ')).toMatchObject({ kind: 'diagnose', target: 'web-1' });
    expect(parse('STATUS\u00a0web-1')).toEqual({ kind: 'status', host: 'web-1' });
  });

  it('a dotted host name that Slack auto-linked is unwrapped, and only that exact shape', () => {
    expect(parse('diagnose <http://web-1.example.com|web-1.example.com>')).toMatchObject({
      kind: 'diagnose',
      target: 'web-1.example.com',
    });
    // The label differs from the address: someone wrote a link, not a host name.
    usageError('diagnose <http://evil.example.com|web-1.example.com>');
    usageError('diagnose <http://web-1.example.com/x|web-1.example.com>');
  });
});

describe('parseSlackCommand: unknown names get the closest known ones', () => {
  it('a mistyped host', () => {
    expect(parse('diagnose web-l')).toEqual({
      kind: 'unknown-target',
      command: 'diagnose',
      target: 'web-l',
      suggestions: ['web-1'],
      message: 'Unknown host or group `web-l`. Did you mean `web-1`?',
    });
  });

  it('a mistyped group', () => {
    expect(parse('diagnose webb')).toMatchObject({ kind: 'unknown-target', suggestions: ['web'] });
  });

  it('status and history suggest hosts only', () => {
    expect(parse('status db-2')).toMatchObject({
      kind: 'unknown-target',
      command: 'status',
      suggestions: ['db-1'],
    });
    expect(parse('history wbe-2')).toMatchObject({
      kind: 'unknown-target',
      command: 'history',
      suggestions: ['web-2'],
    });
  });

  it('nothing close: points at /fpm hosts', () => {
    const cmd = parse('diagnose mailserver');
    expect(cmd).toMatchObject({ kind: 'unknown-target', suggestions: [] });
    expect((cmd as { message: string }).message).toContain('`/fpm hosts`');
  });

  it('host names are case-sensitive; the other case is offered', () => {
    expect(parse('diagnose WEB-1')).toMatchObject({ kind: 'unknown-target', suggestions: ['web-1'] });
  });
});

describe('parseSlackCommand: anything else is a usage error', () => {
  it.each([
    ['shell metacharacters', 'diagnose web-1;reboot'],
    ['command substitution', 'diagnose $(id)'],
    ['backticks', 'diagnose `id`'],
    ['pipes', 'diagnose web-1|sh'],
    ['redirection (as Slack sends it)', 'diagnose web-1 &gt; /tmp/x'],
    ['ampersand', 'diagnose web-1&amp;'],
    ['double quotes', 'diagnose "web-1"'],
    ['single quotes', "diagnose 'web-1'"],
    ['smart quotes', 'diagnose \u201cweb-1\u201d'],
    ['a user mention', 'diagnose <@U123ABC>'],
    ['a channel', 'diagnose <#C123|general>'],
    ['a broadcast', 'diagnose <!channel>'],
    ['a link', 'diagnose <https://evil.example.com|x>'],
    ['a bare url', 'diagnose https://evil.example.com'],
    ['a path', 'diagnose ../../etc/passwd'],
    ['a leading dash', 'diagnose -oProxyCommand=x'],
    ['newline-separated extra command', 'diagnose web-1\nreboot'],
    ['zero-width characters', 'diagnose web\u200b-1'],
    ['glob', 'diagnose web-*'],
    ['non-ASCII look-alike', 'diagnose w\u0435b-1'],
  ])('%s', (_what, text) => {
    const message = usageError(text);
    // The refused text is never echoed back into the channel.
    expect(message).not.toMatch(/reboot|\$\(|evil|passwd|ProxyCommand|<[@#!]/);
  });

  it('extra words', () => {
    expect(usageError('diagnose web-1 web-2')).toContain('One host or group at a time');
    expect(usageError('status web-1 now')).toContain('takes one host');
    expect(usageError('hosts all')).toContain('takes no arguments');
    expect(usageError('help me')).toContain('takes no arguments');
  });

  it('missing arguments', () => {
    expect(usageError('diagnose')).toContain('needs a host or group');
    expect(usageError('status')).toContain('needs a host');
    expect(usageError('diagnose web-1 --window')).toContain('needs a duration');
  });

  it('bad --window values and unknown options', () => {
    for (const w of ['0m', '8d', 'soon', '-5m', '30x', '1e3']) {
      expect(usageError(`diagnose web-1 --window ${w}`), w).toContain('--window');
    }
    expect(usageError('diagnose web-1 --window 5m --window 10m')).toContain('twice');
    expect(usageError('diagnose web-1 --format json')).toContain('Unknown option');
    expect(usageError('status web-1 --window 5m')).toContain('takes one host');
  });

  it('status and history take a host, not a group', () => {
    expect(usageError('status web')).toContain('is a group');
  });

  it('an unknown verb: the closest verb, or the diagnose form when it is a host', () => {
    expect(usageError('diagnoes web-1')).toContain('did you mean `diagnose`');
    expect(usageError('web-1')).toContain('/fpm diagnose web-1');
    expect(usageError('reboot web-1')).toBe('Unknown command.');
  });

  it('very long text is refused before it is looked at', () => {
    expect(usageError(`diagnose ${'a'.repeat(400)}`)).toContain('too long');
  });

  it('a name longer than the inventory allows is a usage error, not a lookup', () => {
    expect(usageError(`diagnose ${'a'.repeat(64)}`)).toContain('letters, digits');
  });
});
