import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InventoryError,
  InventoryNotFoundError,
  inventoryPathFrom,
  loadInventory,
  parseInventory,
} from '../../../src/config/inventory.js';
import { SAFE_ARG } from '../../../src/transport/shell-quote.js';
import { HOME, yaml } from './helpers.js';

const EXAMPLE = new URL('../../../examples/inventory.yaml', import.meta.url).pathname;
const FIXTURES = new URL('../../fixtures/inventory/', import.meta.url).pathname;

describe('examples/inventory.yaml', () => {
  it('loads and resolves every host with the DESIGN.md settings', async () => {
    const inv = await loadInventory(EXAMPLE, { homeDir: HOME });
    expect([...inv.hosts.keys()]).toEqual(['web-1', 'web-2']);
    expect([...inv.groups]).toEqual([['web', ['web-1', 'web-2']]]);
    expect(inv.hosts.get('web-1')).toEqual({
      name: 'web-1',
      address: '10.0.0.11',
      local: false,
      ssh: {
        user: 'root',
        port: 2222,
        privateKeyPath: '/home/bot/.ssh/id_ed25519',
        knownHostsPath: '/home/bot/.ssh/known_hosts',
        agent: false,
        connectTimeoutMs: 10_000,
        maxChannels: 8,
        jump: null,
      },
      commandTimeoutMs: 30_000,
      become: false,
      labels: { env: 'prod' },
      selfAddresses: [{ host: '203.0.113.10' }],
      fpm: {
        config: '/etc/php/8.2/fpm/php-fpm.conf',
        reload: ['systemctl', 'reload', 'php8.2-fpm'],
        start: ['systemctl', 'start', 'php8.2-fpm'],
      },
      web: { kind: 'nginx', errorLog: '/var/log/nginx/error.log', healthUrl: 'http://127.0.0.1/health.php' },
      groups: ['web'],
    });
    expect(inv.hosts.get('web-2')?.ssh?.port).toBe(22);
    expect(inv.hosts.get('web-2')?.fpm).toEqual({});
  });

  it('resolves to values the transport accepts as probe arguments', async () => {
    const inv = await loadInventory(EXAMPLE, { homeDir: HOME });
    for (const host of inv.hosts.values()) {
      const args = [
        host.address,
        ...Object.values(host.web).filter((v): v is string => typeof v === 'string'),
        ...[host.fpm.config, host.fpm.binary].filter((v): v is string => v !== undefined),
        ...(host.fpm.reload ?? []),
        ...host.selfAddresses.map((a) => a.host),
      ];
      for (const arg of args) expect(arg).toMatch(SAFE_ARG);
    }
  });
});

describe('merging defaults < group < host', () => {
  const text = yaml(
    'defaults:',
    '  ssh: { user: root, port: 22, privateKeyPath: ~/.ssh/id_ed25519, maxChannels: 2 }',
    '  labels: { env: prod, team: ops }',
    'hosts:',
    '  web-1:',
    '    address: web-1.example.com',
    '    ssh: { port: 2222 }',
    '    labels: { team: php }',
    '  web-2: { address: "2001:db8::2" }',
    '  db-1: { address: 10.0.0.30 }',
    'groups:',
    '  eu:',
    '    hosts: [web-1, web-2]',
    '    ssh: { user: deploy, port: 2200, commandTimeoutMs: 5000 }',
    '    labels: { region: eu-west-1, team: web }',
    '  all: [web-1, web-2, db-1]',
  );
  const inv = parseInventory(text, 'inventory.yaml', { homeDir: HOME });

  it('a host setting beats its group, which beats the defaults', () => {
    const web1 = inv.hosts.get('web-1')!;
    expect(web1.ssh).toMatchObject({ user: 'deploy', port: 2222, maxChannels: 2 });
    expect(web1.commandTimeoutMs).toBe(5000);
    expect(web1.labels).toEqual({ env: 'prod', team: 'php', region: 'eu-west-1' });
  });

  it('a group setting beats the defaults when the host says nothing', () => {
    const web2 = inv.hosts.get('web-2')!;
    expect(web2.address).toBe('2001:db8::2');
    expect(web2.ssh).toMatchObject({ user: 'deploy', port: 2200 });
    expect(web2.labels).toEqual({ env: 'prod', team: 'web', region: 'eu-west-1' });
  });

  it('a host outside any settings-carrying group gets the defaults', () => {
    const db1 = inv.hosts.get('db-1')!;
    expect(db1.ssh).toMatchObject({ user: 'root', port: 22, maxChannels: 2 });
    expect(db1.commandTimeoutMs).toBe(30_000);
    expect(db1.labels).toEqual({ env: 'prod', team: 'ops' });
    expect(db1.groups).toEqual(['all']);
  });

  it('records every group of a host in file order', () => {
    expect(inv.hosts.get('web-1')?.groups).toEqual(['eu', 'all']);
    expect(inv.groups.get('eu')).toEqual(['web-1', 'web-2']);
  });
});

describe('paths and special values', () => {
  it('expands "~/" in local paths (keys, known_hosts, agent socket) and leaves absolute ones', () => {
    const inv = parseInventory(
      yaml(
        'defaults:',
        '  ssh: { user: root, privateKeyPath: ~/.ssh/id_ed25519, agent: ~/.ssh/agent.sock }',
        'hosts:',
        '  a: { address: a.example.com }',
        '  b: { address: b.example.com, ssh: { knownHostsPath: /etc/fpm-medic/known_hosts, agent: true } }',
      ),
      'inventory.yaml',
      { homeDir: '/srv/bot/' },
    );
    expect(inv.hosts.get('a')?.ssh).toMatchObject({
      privateKeyPath: '/srv/bot/.ssh/id_ed25519',
      knownHostsPath: '/srv/bot/.ssh/known_hosts',
      agent: '/srv/bot/.ssh/agent.sock',
    });
    expect(inv.hosts.get('b')?.ssh).toMatchObject({
      knownHostsPath: '/etc/fpm-medic/known_hosts',
      agent: true,
    });
  });

  it('address "local" needs no SSH settings at all and resolves without ssh', () => {
    const inv = parseInventory(yaml('hosts:', '  here: { address: local }'), 'inventory.yaml', {
      homeDir: HOME,
    });
    expect(inv.hosts.get('here')).toMatchObject({
      address: 'local',
      local: true,
      ssh: null,
      commandTimeoutMs: 30_000,
    });
  });

  it('keeps the passphrase variable name, never a value, and parses selfAddresses', () => {
    const inv = parseInventory(
      yaml(
        'hosts:',
        '  web-1:',
        '    address: 10.0.0.11',
        '    ssh: { user: deploy, privateKeyPath: /keys/id, passphraseEnv: FPM_MEDIC_KEY_PASSPHRASE }',
        '    selfAddresses: [203.0.113.10, "203.0.113.10:8443", "[2001:db8::1]:443", "www.example.com:443"]',
        '    fpm: { reload: [systemctl, reload, php-fpm], binary: php-fpm8.2, pools: [www, api] }',
      ),
      'inventory.yaml',
      { homeDir: HOME },
    );
    const host = inv.hosts.get('web-1')!;
    expect(host.ssh?.passphraseEnv).toBe('FPM_MEDIC_KEY_PASSPHRASE');
    expect(host.selfAddresses).toEqual([
      { host: '203.0.113.10' },
      { host: '203.0.113.10', port: 8443 },
      { host: '2001:db8::1', port: 443 },
      { host: 'www.example.com', port: 443 },
    ]);
    expect(host.fpm).toEqual({
      reload: ['systemctl', 'reload', 'php-fpm'],
      binary: 'php-fpm8.2',
      pools: ['www', 'api'],
    });
  });
});

describe('jump hosts', () => {
  it('links a named jump to that host, its own settings included, and lets the bastion connect directly', () => {
    const inv = parseInventory(
      yaml(
        'defaults:',
        '  ssh: { user: root, privateKeyPath: ~/.ssh/id, jump: bastion }',
        'hosts:',
        '  bastion: { address: bastion.example.com, ssh: { user: jump, port: 2022 } }',
        '  web-1: { address: 10.0.0.11 }',
        '  web-2: { address: 10.0.0.12, ssh: { jump: false } }',
        '  web-3: { address: 10.0.0.13, ssh: { jump: { address: 192.0.2.1, port: 2200 } } }',
      ),
      'inventory.yaml',
      { homeDir: HOME },
    );
    expect(inv.hosts.get('bastion')?.ssh?.jump).toBeNull();
    const jump = inv.hosts.get('web-1')?.ssh?.jump;
    expect(jump).toMatchObject({ name: 'bastion', address: 'bastion.example.com' });
    expect(jump?.ssh).toMatchObject({
      user: 'jump',
      port: 2022,
      privateKeyPath: '/home/bot/.ssh/id',
      jump: null,
    });
    expect(inv.hosts.get('web-2')?.ssh?.jump).toBeNull();
    expect(inv.hosts.get('web-3')?.ssh?.jump).toEqual({
      name: null,
      address: '192.0.2.1',
      ssh: expect.objectContaining({
        user: 'root',
        port: 2200,
        privateKeyPath: '/home/bot/.ssh/id',
        jump: null,
      }),
    });
  });

  it('follows a chain of jump hosts', () => {
    const inv = parseInventory(
      yaml(
        'defaults: { ssh: { user: root, agent: true } }',
        'hosts:',
        '  outer: { address: outer.example.com }',
        '  inner: { address: 10.0.0.2, ssh: { jump: outer } }',
        '  web-1: { address: 10.1.0.11, ssh: { jump: inner } }',
      ),
      'inventory.yaml',
      { homeDir: HOME },
    );
    const jump = inv.hosts.get('web-1')?.ssh?.jump;
    expect(jump?.name).toBe('inner');
    expect(jump?.ssh.jump?.name).toBe('outer');
    expect(jump?.ssh.jump?.ssh.jump).toBeNull();
  });
});

describe('loadInventory', () => {
  it('names the missing file', async () => {
    const missing = join(tmpdir(), 'fpm-medic-no-such-dir', 'inventory.yaml');
    const err = await loadInventory(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryNotFoundError);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as InventoryNotFoundError).code).toBe('INVENTORY_NOT_FOUND');
    expect((err as Error).message).toBe(`inventory file not found: ${missing}`);
  });

  it('refuses a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fpm-medic-inv-'));
    try {
      await expect(loadInventory(dir)).rejects.toThrow(`inventory ${dir} is a directory, not a file`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports problems with the path it was given', async () => {
    const path = join(FIXTURES, 'bad-port.yaml');
    await expect(loadInventory(path)).rejects.toThrow(
      `${path}:7:13: hosts.web-1.ssh.port: expected an integer 1-65535, got 70000`,
    );
  });

  it('reads a file written at run time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fpm-medic-inv-'));
    try {
      const path = join(dir, 'inv.yaml');
      await writeFile(path, yaml('hosts:', '  here: { address: local }'));
      const inv = await loadInventory(path);
      expect(inv.file).toBe(path);
      expect(inv.hosts.get('here')?.local).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('inventoryPathFrom', () => {
  it('prefers the flag over the environment', () => {
    expect(inventoryPathFrom('/a.yaml', { FPM_MEDIC_INVENTORY: '/b.yaml' })).toEqual({
      path: '/a.yaml',
      source: '--inventory',
    });
  });

  it('falls back to FPM_MEDIC_INVENTORY', () => {
    expect(inventoryPathFrom(undefined, { FPM_MEDIC_INVENTORY: '/b.yaml' })).toEqual({
      path: '/b.yaml',
      source: 'FPM_MEDIC_INVENTORY',
    });
  });

  it('says how to give one when neither is set (an empty variable counts as unset)', () => {
    for (const env of [{}, { FPM_MEDIC_INVENTORY: '' }]) {
      expect(() => inventoryPathFrom(undefined, env)).toThrow(
        'no inventory: pass --inventory PATH or set FPM_MEDIC_INVENTORY (see examples/inventory.yaml)',
      );
    }
  });

  it('refuses an empty --inventory rather than silently using the environment', () => {
    expect(() => inventoryPathFrom('', { FPM_MEDIC_INVENTORY: '/b.yaml' })).toThrow(
      '--inventory was given an empty path',
    );
  });
});
