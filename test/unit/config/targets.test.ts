import { describe, expect, it } from 'vitest';
import { parseInventory, resolveTargets, UnknownHostError } from '../../../src/config/inventory.js';
import { HOME, yaml } from './helpers.js';

const inventory = parseInventory(
  yaml(
    'defaults: { ssh: { user: root, agent: true } }',
    'hosts:',
    '  web-1: { address: 10.0.0.11 }',
    '  web-2: { address: 10.0.0.12 }',
    '  db-1: { address: 10.0.0.21 }',
    'groups:',
    '  web: [web-2, web-1]',
  ),
  'inventory.yaml',
  { homeDir: HOME },
);

function unknown(target: string): UnknownHostError {
  try {
    resolveTargets(inventory, target);
  } catch (err) {
    expect(err).toBeInstanceOf(UnknownHostError);
    return err as UnknownHostError;
  }
  throw new Error(`expected '${target}' to be unknown`);
}

describe('resolveTargets', () => {
  it('a host name gives that host', () => {
    expect(resolveTargets(inventory, 'db-1').map((h) => h.name)).toEqual(['db-1']);
  });

  it('a group name gives its members in the group order', () => {
    expect(resolveTargets(inventory, 'web').map((h) => h.name)).toEqual(['web-2', 'web-1']);
  });

  it('an unknown name suggests the closest and lists hosts and groups', () => {
    const err = unknown('web-l');
    expect(err.message).toBe(
      "unknown host 'web-l'; did you mean web-1? known hosts: web-1, web-2, db-1; groups: web",
    );
    expect(err.code).toBe('UNKNOWN_HOST');
    expect(err.suggestions).toEqual(['web-1']);
  });

  it('names every equally close candidate', () => {
    expect(unknown('web-3').message).toBe(
      "unknown host 'web-3'; did you mean web-1 or web-2? known hosts: web-1, web-2, db-1; groups: web",
    );
  });

  it('matches case-insensitively for the suggestion only', () => {
    expect(unknown('WEB-1').suggestions).toEqual(['web-1']);
  });

  it('suggests groups too', () => {
    expect(unknown('webs').suggestions).toEqual(['web']);
  });

  it('says nothing about suggestions when nothing is close', () => {
    expect(unknown('mail').message).toBe("unknown host 'mail'; known hosts: web-1, web-2, db-1; groups: web");
  });

  it('defuses chat text before echoing it', () => {
    const err = unknown('web-1`rm -rf /`<@U123>');
    expect(err.message).toMatch(/^unknown host 'web-1\?rm -rf \/\?\?@U123\?'; /);
    expect(err.target).toBe('web-1`rm -rf /`<@U123>');
  });

  it('does not treat prototype names as hosts', () => {
    expect(unknown('constructor').message).toContain("unknown host 'constructor'");
  });
});
