import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInventory } from '../../../src/config/inventory.js';

const fixtures = fileURLToPath(new URL('../../fixtures/alerts/', import.meta.url));

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(`${fixtures}${name}`, 'utf8'));
}

/** A small fleet: web-1..3 in group web, db-1 alone, a local host, two hosts behind one address. */
export const INVENTORY = parseInventory(
  [
    'defaults:',
    '  ssh: { user: root, privateKeyPath: /tmp/key, knownHostsPath: /tmp/known_hosts }',
    'hosts:',
    '  web-1: { address: 10.0.0.11, labels: { env: prod, team: web } }',
    '  web-2: { address: web-2.prod.example.com, labels: { env: prod, team: web } }',
    '  web-3: { address: 10.0.0.13, selfAddresses: [203.0.113.10, "[2001:db8::3]:443"], labels: { env: staging } }',
    '  db-1: { address: 10.0.0.21, labels: { env: prod, team: data } }',
    '  edge-a: { address: 10.0.0.50 }',
    '  edge-b: { address: 10.0.0.50 }',
    '  here: { address: local }',
    'groups:',
    '  web: [web-1, web-2, web-3]',
    '  edge: [edge-a, edge-b]',
    '',
  ].join('\n'),
  'inventory.yaml',
);
