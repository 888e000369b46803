import { describe, expect, it, vi } from 'vitest';
import { translateZodIssues } from '../../../src/util/zod-issues.js';
import { inventoryError, problems, yaml } from './helpers.js';

// Wraps the shared zod translator (calling through) so a test can see that this file kind uses it.
vi.mock('../../../src/util/zod-issues.js', async (real) => {
  const m = await real<typeof import('../../../src/util/zod-issues.js')>();
  return { ...m, translateZodIssues: vi.fn(m.translateZodIssues) };
});

// Lines 1-3 of most cases: a valid defaults block so each case shows only its own problem.
const HEAD = ['defaults:', '  ssh: { user: root, privateKeyPath: ~/.ssh/id_ed25519 }', 'hosts:'];

describe('schema problems: file:line:col, key path, expectation, value found', () => {
  it('wrong type', () => {
    expect(
      problems(yaml(...HEAD, '  web-1:', '    address: 10.0.0.11', '    ssh:', '      port: twenty-two')),
    ).toEqual(['inventory.yaml:7:13: hosts.web-1.ssh.port: expected an integer 1-65535, got "twenty-two"']);
  });

  it('number out of range, in flow style', () => {
    expect(problems(yaml(...HEAD, '  web-1: { address: 10.0.0.11, ssh: { maxChannels: 10 } }'))).toEqual([
      'inventory.yaml:4:52: hosts.web-1.ssh.maxChannels: expected an integer 1-9, got 10',
    ]);
  });

  it('unknown key, with the nearest valid key', () => {
    expect(
      problems(yaml(...HEAD, '  web-1:', '    address: 10.0.0.11', '    ssh:', '      prot: 2222')),
    ).toEqual([
      'inventory.yaml:7:7: hosts.web-1.ssh.prot: unknown key; did you mean "port"? expected one of: user, port, ' +
        'privateKeyPath, knownHostsPath, agent, passphraseEnv, connectTimeoutMs, commandTimeoutMs, maxChannels, jump, become',
    ]);
  });

  it('unknown key with nothing close: lists the valid keys only', () => {
    expect(problems(yaml(...HEAD, '  web-1:', '    address: 10.0.0.11', '    colour: blue'))).toEqual([
      'inventory.yaml:6:5: hosts.web-1.colour: unknown key; expected one of: address, ssh, labels, selfAddresses, fpm, web',
    ]);
  });

  it('unknown top-level key', () => {
    expect(problems(yaml('host:', '  web-1: { address: local }'))).toEqual([
      'inventory.yaml:1:1: hosts: missing; expected a map of host name -> host settings',
      'inventory.yaml:1:1: host: unknown key; did you mean "hosts"? expected one of: defaults, hosts, groups',
    ]);
  });

  it('bad address', () => {
    expect(problems(yaml(...HEAD, '  web-1:', '    address: 10.0.0.300'))).toEqual([
      'inventory.yaml:5:14: hosts.web-1.address: expected a hostname, an IPv4/IPv6 address or "local", got "10.0.0.300"',
    ]);
    expect(problems(yaml(...HEAD, '  web-1:', '    address: "web-1; reboot"'))[0]).toBe(
      'inventory.yaml:5:14: hosts.web-1.address: expected a hostname, an IPv4/IPv6 address or "local", got "web-1; reboot"',
    );
  });

  it('missing address: points at the host', () => {
    expect(problems(yaml(...HEAD, '  web-1:', '    labels: { env: prod }'))).toEqual([
      'inventory.yaml:4:3: hosts.web-1.address: missing; expected a hostname, an IPv4/IPv6 address or "local"',
    ]);
  });

  it('a host with no settings at all', () => {
    expect(problems(yaml(...HEAD, '  web-1:', '  web-2: { address: local }'))).toEqual([
      'inventory.yaml:4:3: hosts.web-1: expected a map of host settings with at least an address, got an empty value',
    ]);
  });

  it('bad paths: relative, remote "~/", shell characters', () => {
    expect(
      problems(
        yaml(
          'defaults:',
          '  ssh: { user: root, privateKeyPath: .ssh/id_ed25519 }',
          'hosts:',
          '  web-1:',
          '    address: 10.0.0.11',
          '    fpm: { config: ~/php-fpm.conf }',
          '    web: { errorLog: "/var/log/nginx/error.log; rm -rf /" }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:2:38: defaults.ssh.privateKeyPath: expected an absolute path or one starting with "~/", ' +
        'without spaces or shell characters, got ".ssh/id_ed25519"',
      'inventory.yaml:6:20: hosts.web-1.fpm.config: expected an absolute path on the host (starting with "/"), ' +
        'without spaces or shell characters, got "~/php-fpm.conf"',
      'inventory.yaml:7:22: hosts.web-1.web.errorLog: expected an absolute path on the host (starting with "/"), ' +
        'without spaces or shell characters, got "/var/log/nginx/error.log; rm -rf /"',
    ]);
  });

  it('a reload command with shell syntax', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1:',
          '    address: 10.0.0.11',
          '    fpm: { reload: "systemctl reload php-fpm && rm x" }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:6:20: hosts.web-1.fpm.reload: expected a command as plain words ' +
        '(e.g. "systemctl reload php8.2-fpm") or a list of words; quotes, $, ;, |, &, redirections and globs ' +
        'are not allowed, got "systemctl reload php-fpm && rm x"',
    ]);
  });

  it('a passphrase where the variable name belongs is refused and never echoed', () => {
    const err = inventoryError(
      yaml(
        ...HEAD,
        '  web-1:',
        '    address: 10.0.0.11',
        '    ssh: { passphraseEnv: "correct horse battery" }',
      ),
    );
    expect(err.message).toBe(
      'inventory.yaml:6:27: hosts.web-1.ssh.passphraseEnv: expected the name of an environment variable holding ' +
        'the key passphrase (e.g. FPM_MEDIC_KEY_PASSPHRASE), not the passphrase itself, got a value not shown here',
    );
    expect(err.message).not.toContain('horse');
  });

  it('a health URL with credentials', () => {
    const [line] = problems(
      yaml(
        ...HEAD,
        '  web-1:',
        '    address: 10.0.0.11',
        '    web: { healthUrl: "http://admin:s3cret@127.0.0.1/" }',
      ),
    );
    expect(line).toMatch(
      /^inventory\.yaml:6:23: hosts\.web-1\.web\.healthUrl: expected an http:\/\/ or https:\/\/ URL without credentials/,
    );
  });

  it('a bad host name is reported at the name', () => {
    expect(problems(yaml(...HEAD, '  "web 1": { address: local }'))).toEqual([
      "inventory.yaml:4:3: hosts.web 1: expected a name of 1-63 letters, digits, '.', '_' or '-' starting with a " +
        'letter or digit, got "web 1"',
    ]);
  });

  it('the error in a jump map comes from the map, not "expected a name"', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1:',
          '    address: 10.0.0.11',
          '    ssh: { jump: { address: 10.0.0.1, prot: 22 } }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:6:39: hosts.web-1.ssh.jump.prot: unknown key; did you mean "port"? expected one of: address, port, user',
    ]);
  });

  it('an empty hosts map', () => {
    expect(problems(yaml('hosts: {}'))).toEqual([
      'inventory.yaml:1:8: hosts: expected at least one host, got none',
    ]);
  });

  it('an empty file', () => {
    expect(problems('# nothing yet\n')).toEqual([
      'inventory.yaml:1:1: the inventory is empty; expected a map with hosts',
    ]);
  });

  it('lists every problem, one per line, sorted by line', () => {
    const err = inventoryError(
      yaml(
        'hosts:',
        '  web-2:',
        '    address: local',
        '    ssh: { port: 0 }',
        '  web-1:',
        '    adress: 10.0.0.11',
        'groups:',
        '  web: [web-1, web-3]',
      ),
    );
    expect(err.code).toBe('INVENTORY_INVALID');
    expect(err.message.split('\n')).toEqual([
      'inventory.yaml:4:18: hosts.web-2.ssh.port: expected an integer 1-65535, got 0',
      'inventory.yaml:5:3: hosts.web-1.address: missing; expected a hostname, an IPv4/IPv6 address or "local"',
      'inventory.yaml:6:5: hosts.web-1.adress: unknown key; did you mean "address"? expected one of: address, ssh, ' +
        'labels, selfAddresses, fpm, web',
      'inventory.yaml:8:16: groups.web[1]: unknown host "web-3"; did you mean web-2? known hosts: web-2, web-1',
    ]);
    expect(err.issues.map((i) => [i.line, i.col])).toEqual([
      [4, 18],
      [5, 3],
      [6, 5],
      [8, 16],
    ]);
    expect(err.issues[0]?.path).toEqual(['hosts', 'web-2', 'ssh', 'port']);
  });
});

describe('YAML problems', () => {
  it('syntax error with file:line:col', () => {
    expect(problems(yaml('hosts:', '  web-1: { address: 10.0.0.11', '  web-2: { address: local }'))).toEqual([
      'inventory.yaml:3:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
  });

  it('bad indentation', () => {
    expect(problems(yaml('hosts:', '  web-1:', '    address: 10.0.0.11', '   ssh: { port: 22 }'))).toEqual([
      'inventory.yaml:4:4: YAML syntax error: All mapping items must start at the same column',
    ]);
  });

  it('duplicate key, naming where it was first', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1:',
          '    address: 10.0.0.11',
          '  web-2: { address: local }',
          '  web-1:',
          '    address: 10.0.0.12',
        ),
      ),
    ).toEqual([
      'inventory.yaml:7:3: hosts.web-1: duplicate key (first defined at 4:3); each key may appear only once',
    ]);
  });

  it('"__proto__" as a key is refused instead of silently vanishing', () => {
    expect(
      problems(yaml('hosts:', '  __proto__: { address: local }', '  web-1: { address: local }')),
    ).toEqual(['inventory.yaml:2:3: hosts.__proto__: reserved key; "__proto__" cannot be used as a name']);
  });

  it('an alias without its anchor', () => {
    expect(problems(yaml('hosts:', '  web-1: *web'))).toEqual([
      'inventory.yaml:2:10: hosts.web-1: YAML error: alias *web has no anchor &web before it',
    ]);
  });
});

describe('cross-references', () => {
  it('group with an unknown member: at the member, with a suggestion', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1: { address: 10.0.0.11 }',
          '  web-2: { address: 10.0.0.12 }',
          'groups:',
          '  web:',
          '    - web-1',
          '    - web-l',
        ),
      ),
    ).toEqual([
      'inventory.yaml:9:7: groups.web[1]: unknown host "web-l"; did you mean web-1? known hosts: web-1, web-2',
    ]);
  });

  it('an empty group', () => {
    expect(problems(yaml('hosts:', '  web-1: { address: local }', 'groups:', '  web: []'))).toEqual([
      'inventory.yaml:4:8: groups.web: expected at least one host name, got an empty list',
    ]);
  });

  it('group members listed twice, groups inside groups, group named like a host', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1: { address: 10.0.0.11 }',
          'groups:',
          '  all: [web-1, web-1, web]',
          '  web: [web-1]',
          '  web-1: [web-1]',
        ),
      ),
    ).toEqual([
      'inventory.yaml:6:16: groups.all[1]: "web-1" is listed twice',
      'inventory.yaml:6:23: groups.all[2]: "web" is a group; a group lists hosts only',
      'inventory.yaml:8:3: groups.web-1: a host has the same name; host and group names must differ',
    ]);
  });

  it('jump to an unknown host', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1: { address: 10.0.0.11, ssh: { jump: bastoin } }',
          '  bastion: { address: 10.0.0.1 }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:4:45: hosts.web-1.ssh.jump: unknown host "bastoin"; did you mean bastion? ' +
        'known hosts: web-1, bastion (a jump must name a host)',
    ]);
  });

  it('jump to itself, set on the host', () => {
    expect(problems(yaml(...HEAD, '  web-1: { address: 10.0.0.11, ssh: { jump: web-1 } }'))).toEqual([
      'inventory.yaml:4:45: hosts.web-1.ssh.jump: a host cannot be its own jump host',
    ]);
  });

  it('jump cycle: reported once, at the first host of the cycle', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  a: { address: 10.0.0.1, ssh: { jump: b } }',
          '  b: { address: 10.0.0.2, ssh: { jump: c } }',
          '  c: { address: 10.0.0.3, ssh: { jump: a } }',
          '  d: { address: 10.0.0.4, ssh: { jump: a } }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:4:40: hosts.a.ssh.jump: jump cycle a -> b -> c -> a; a chain of jump hosts must end at a direct connection',
    ]);
  });

  it('a cycle through an inherited jump points at the line that set it', () => {
    expect(
      problems(
        yaml(
          'defaults: { ssh: { user: root, agent: true, jump: bastion } }',
          'hosts:',
          '  web-1: { address: 10.0.0.11 }',
          '  bastion: { address: 10.0.0.1, ssh: { jump: web-1 } }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:1:51: defaults.ssh.jump: jump cycle web-1 -> bastion -> web-1; a chain of jump hosts must end ' +
        'at a direct connection',
    ]);
  });

  it('a local host cannot be a jump host', () => {
    expect(
      problems(
        yaml(...HEAD, '  here: { address: local }', '  web-1: { address: 10.0.0.11, ssh: { jump: here } }'),
      ),
    ).toEqual([
      'inventory.yaml:5:45: hosts.web-1.ssh.jump: "here" has address "local" and cannot be a jump host',
    ]);
  });

  it('an SSH host without a user or a way to log in', () => {
    expect(problems(yaml('hosts:', '  web-1: { address: 10.0.0.11 }', '  here: { address: local }'))).toEqual(
      [
        'inventory.yaml:2:3: hosts.web-1.ssh.user: no SSH user for this host; expected ssh.user under defaults, ' +
          'one of its groups, or the host',
        'inventory.yaml:2:3: hosts.web-1.ssh: no way to log in; expected ssh.privateKeyPath or ssh.agent under ' +
          'defaults, one of its groups, or the host',
      ],
    );
  });

  it('two groups setting one key differently', () => {
    expect(
      problems(
        yaml(
          ...HEAD,
          '  web-1: { address: 10.0.0.11 }',
          'groups:',
          '  eu: { hosts: [web-1], ssh: { port: 2200 } }',
          '  prod: { hosts: [web-1], ssh: { port: 22 } }',
        ),
      ),
    ).toEqual([
      'inventory.yaml:4:3: hosts.web-1.ssh.port: groups eu and prod set different values (2200 and 22); ' +
        'set ssh.port on the host',
    ]);
  });
});

describe('the shared zod translator', () => {
  it('words inventory problems with the file, line, column and key', () => {
    vi.mocked(translateZodIssues).mockClear();
    expect(problems(yaml(...HEAD, '  web-1:', '    address: 10.0.0.11', '    ssh: { port: 0 }'))).toEqual([
      'inventory.yaml:6:18: hosts.web-1.ssh.port: expected an integer 1-65535, got 0',
    ]);
    expect(translateZodIssues).toHaveBeenCalled();
  });
});
