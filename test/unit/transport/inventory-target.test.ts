import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/config/inventory.js';
import { sshTargetOf } from '../../../src/transport/inventory-target.js';
import { HOME, yaml } from '../config/helpers.js';

const inventory = parseInventory(
  yaml(
    'defaults:',
    '  ssh: { user: root, privateKeyPath: ~/.ssh/id, passphraseEnv: KEY_PASS, jump: bastion }',
    'hosts:',
    '  bastion: { address: bastion.example.com, ssh: { user: jump, agent: true } }',
    '  web-1: { address: 10.0.0.11, ssh: { port: 2222 } }',
    '  web-2: { address: 10.0.0.12, ssh: { jump: { address: 192.0.2.1 } } }',
    '  here: { address: local }',
  ),
  'inventory.yaml',
  { homeDir: HOME },
);
const host = (name: string) => inventory.hosts.get(name)!;

describe('sshTargetOf', () => {
  it('maps a host and its named jump, reading the passphrase from the environment', () => {
    expect(sshTargetOf(host('web-1'), { KEY_PASS: 'pw' })).toEqual({
      host: 'web-1',
      address: '10.0.0.11',
      port: 2222,
      user: 'root',
      privateKeyPath: '/home/bot/.ssh/id',
      passphrase: 'pw',
      knownHostsPath: '/home/bot/.ssh/known_hosts',
      agent: false,
      connectTimeoutMs: 10_000,
      maxChannels: 8,
      jump: expect.objectContaining({
        host: 'bastion',
        address: 'bastion.example.com',
        user: 'jump',
        agent: true,
      }),
    });
  });

  it('names an inline jump by its address', () => {
    expect(sshTargetOf(host('web-2'), { KEY_PASS: 'pw' })?.jump).toMatchObject({
      host: '192.0.2.1',
      address: '192.0.2.1',
      port: 22,
      user: 'root',
    });
  });

  it('has no SSH target for a local host', () => {
    expect(sshTargetOf(host('here'), {})).toBeNull();
  });

  it('says which variable is missing, without a passphrase in sight', () => {
    expect(() => sshTargetOf(host('web-1'), {})).toThrow(
      "host web-1: ssh.passphraseEnv names KEY_PASS, which is not set in fpm-medic's environment",
    );
  });

  it('never stores the passphrase in the inventory', () => {
    expect(JSON.stringify(host('web-1'))).not.toContain('"passphrase"');
  });
});
