import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/config/inventory.js';
import { createTransport } from '../../../src/transport/factory.js';
import { sshTargetOf } from '../../../src/transport/inventory-target.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { HOME, problems, yaml } from './helpers.js';

const HEAD = ['defaults:', '  ssh: { user: deploy, privateKeyPath: ~/.ssh/id_ed25519 }', 'hosts:'];

describe('ssh.become', () => {
  it('is false unless asked for', () => {
    const inv = parseInventory(yaml(...HEAD, '  web-1: { address: 10.0.0.11 }'), 'inventory.yaml', {
      homeDir: HOME,
    });
    expect(inv.hosts.get('web-1')?.become).toBe(false);
    expect(sshTargetOf(inv.hosts.get('web-1')!, {})).not.toHaveProperty('become');
  });

  it('merges defaults < group < host, and reaches the SSH target (never its jump)', () => {
    const inv = parseInventory(
      yaml(
        'defaults:',
        '  ssh: { user: deploy, privateKeyPath: ~/.ssh/id_ed25519, become: sudo }',
        'hosts:',
        '  bastion: { address: bastion.example.com, ssh: { become: false } }',
        '  web-1: { address: 10.0.0.11, ssh: { jump: bastion } }',
        '  web-2: { address: 10.0.0.12 }',
        '  db-1: { address: 10.0.0.30, ssh: { become: sudo } }',
        '  here: { address: local }',
        'groups:',
        '  legacy: { hosts: [web-2, db-1], ssh: { user: root, become: false } }',
      ),
      'inventory.yaml',
      { homeDir: HOME },
    );
    const become = (name: string) => inv.hosts.get(name)?.become;
    expect(become('web-1')).toBe('sudo'); // defaults
    expect(become('web-2')).toBe(false); // the group turns it off
    expect(become('db-1')).toBe('sudo'); // the host turns it back on
    expect(become('here')).toBe('sudo'); // local hosts too: LocalTransport runs sudo
    const target = sshTargetOf(inv.hosts.get('web-1')!, {})!;
    expect(target.become).toBe('sudo');
    expect(target.jump?.host).toBe('bastion');
    expect(target.jump).not.toHaveProperty('become');
  });

  it('the transport of a host carries it: SSH target, or local with become', () => {
    const inv = parseInventory(
      yaml(
        ...HEAD,
        '  web-1: { address: 10.0.0.11, ssh: { become: sudo } }',
        '  here: { address: local, ssh: { become: sudo } }',
      ),
      'inventory.yaml',
      { homeDir: HOME },
    );
    const ssh = createTransport(inv.hosts.get('web-1')!);
    expect(ssh).toBeInstanceOf(SshTransport);
    expect((ssh as SshTransport).target.become).toBe('sudo');
    expect(createTransport(inv.hosts.get('here')!)).toBeInstanceOf(LocalTransport);
  });

  it('refuses anything but "sudo" or false, at the value, naming the key', () => {
    expect(problems(yaml(...HEAD, '  web-1: { address: 10.0.0.11, ssh: { become: true } }'))).toEqual([
      'inventory.yaml:4:47: hosts.web-1.ssh.become: expected "sudo" (run each script as root through `sudo -n`) ' +
        'or false (run as the SSH user, the default), got true',
    ]);
    expect(
      problems(
        yaml(
          'defaults:',
          '  ssh:',
          '    user: deploy',
          '    become: su',
          'hosts:',
          '  a: { address: local }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:4:13: defaults.ssh.become: expected "sudo" (run each script as root through `sudo -n`) ' +
        'or false (run as the SSH user, the default), got "su"',
    ]);
  });

  it('two groups disagreeing is an error unless the host decides', () => {
    const text = (hostSsh: string) =>
      yaml(
        ...HEAD,
        `  web-1: { address: 10.0.0.11${hostSsh} }`,
        'groups:',
        '  a: { hosts: [web-1], ssh: { become: sudo } }',
        '  b: { hosts: [web-1], ssh: { become: false } }',
      );
    expect(problems(text(''))).toEqual([
      'inventory.yaml:4:3: hosts.web-1.ssh.become: groups a and b set different values ("sudo" and false); set ssh.become on the host',
    ]);
    const inv = parseInventory(text(', ssh: { become: false }'), 'inventory.yaml', { homeDir: HOME });
    expect(inv.hosts.get('web-1')?.become).toBe(false);
  });
});
