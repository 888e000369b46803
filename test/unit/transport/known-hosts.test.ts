import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  entryMatchesHost,
  fingerprintSha256,
  knownHostsName,
  parseKnownHosts,
  pinnedKeyTypes,
  readKeyType,
  verifyHostKey,
} from '../../../src/transport/known-hosts.js';

// Fixtures come from real ssh-keygen (test/fixtures/known-hosts/capture.sh), and so do the
// expected values: fingerprints from `ssh-keygen -l`, matches from `ssh-keygen -F`.
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/known-hosts');
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
const blob = (name: string): Buffer => Buffer.from(read(`${name}.pub`).trim().split(' ')[1]!, 'base64');
const expected = JSON.parse(read('expected.json')) as {
  fingerprints: Record<string, string>;
  pinnedLines: Record<string, { plain: number[]; hashed: number[] }>;
};

const files = {
  plain: parseKnownHosts(read('known_hosts')),
  hashed: parseKnownHosts(read('known_hosts.hashed')),
};

describe('fingerprintSha256', () => {
  it.each(Object.entries(expected.fingerprints))('%s matches ssh-keygen -l', (name, fp) => {
    expect(fingerprintSha256(blob(name))).toBe(fp);
  });
});

describe('readKeyType', () => {
  it('reads the type out of real key blobs', () => {
    expect(readKeyType(blob('web1'))).toBe('ssh-ed25519');
    expect(readKeyType(blob('web1ecdsa'))).toBe('ecdsa-sha2-nistp256');
    expect(readKeyType(blob('web3rsa'))).toBe('ssh-rsa');
    expect(readKeyType(Buffer.from([0, 0]))).toBeNull();
  });
});

describe('knownHostsName', () => {
  it('uses the bare name on 22 and [host]:port elsewhere, lower-cased like ssh', () => {
    expect(knownHostsName('Web2.Example.com', 22)).toBe('web2.example.com');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });
});

describe('parseKnownHosts', () => {
  it('skips comments/blank lines, reports @cert-authority and malformed lines', () => {
    const { entries, skipped } = files.plain;
    expect(entries.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(entries.find((e) => e.line === 8)?.marker).toBe('revoked');
    expect(skipped.map((s) => s.line)).toEqual([9, 10, 11]);
    expect(skipped[0]?.reason).toMatch(/cert-authority/);
  });

  it('parses ssh-keygen -H output into hashed entries', () => {
    const hashedEntries = files.hashed.entries.filter((e) => e.hashed !== null);
    // web1 x2, web2 split into two names, [127.0.0.1]:2222; wildcards stay plain.
    expect(hashedEntries).toHaveLength(5);
    expect(files.hashed.entries.find((e) => e.patterns?.[0] === '*.lb.example.com')).toBeDefined();
  });

  it('rejects a key whose blob does not match its declared type', () => {
    const line = `10.1.1.1 ssh-rsa ${blob('web1').toString('base64')}`;
    const parsed = parseKnownHosts(line);
    expect(parsed.entries).toHaveLength(0);
    expect(parsed.skipped[0]?.reason).toMatch(/not valid base64 for type ssh-rsa/);
  });
});

describe('host matching agrees with ssh-keygen -F', () => {
  for (const kind of ['plain', 'hashed'] as const) {
    it.each(Object.entries(expected.pinnedLines))(`${kind}: %s`, (host, lines) => {
      const got = files[kind].entries
        .filter((e) => e.marker === null && entryMatchesHost(e, host))
        .map((e) => e.line);
      expect(got).toEqual(lines[kind]);
    });
  }
});

describe('verifyHostKey', () => {
  for (const kind of ['plain', 'hashed'] as const) {
    const knownHosts = files[kind];
    describe(kind, () => {
      it('accepts a pinned key (any of several for the host)', () => {
        expect(verifyHostKey({ knownHosts, address: '10.0.0.11', port: 22, key: blob('web1') }).status).toBe(
          'accepted',
        );
        expect(
          verifyHostKey({ knownHosts, address: '10.0.0.11', port: 22, key: blob('web1ecdsa') }).status,
        ).toBe('accepted');
        expect(
          verifyHostKey({ knownHosts, address: '127.0.0.1', port: 2222, key: blob('jump') }).status,
        ).toBe('accepted');
      });

      it('refuses a changed key and points at the pinned lines', () => {
        const v = verifyHostKey({ knownHosts, address: 'web2.example.com', port: 22, key: blob('web2new') });
        expect(v.status).toBe('changed');
        if (v.status !== 'changed') return;
        expect(v.fingerprint).toBe(expected.fingerprints['web2new']);
        expect(v.known.map((e) => e.line)).toEqual(expected.pinnedLines['web2.example.com']![kind]);
      });

      it('refuses an unknown host with its fingerprint and the exact line to add', () => {
        const v = verifyHostKey({ knownHosts, address: '127.0.0.1', port: 22, key: blob('jump') });
        expect(v).toEqual({
          status: 'unknown',
          lookupName: '127.0.0.1',
          keyType: 'ssh-ed25519',
          fingerprint: expected.fingerprints['jump'],
          lineToAdd: `127.0.0.1 ${read('jump.pub').trim()}`,
        });
        const other = verifyHostKey({ knownHosts, address: '127.0.0.1', port: 2200, key: blob('jump') });
        expect(other.status === 'unknown' && other.lineToAdd).toBe(
          `[127.0.0.1]:2200 ${read('jump.pub').trim()}`,
        );
      });

      it('the line to add is accepted once added', () => {
        const v = verifyHostKey({ knownHosts, address: '10.9.9.9', port: 2222, key: blob('web2new') });
        if (v.status !== 'unknown') throw new Error(v.status);
        const updated = parseKnownHosts(
          `${read(kind === 'plain' ? 'known_hosts' : 'known_hosts.hashed')}\n${v.lineToAdd}\n`,
        );
        expect(
          verifyHostKey({ knownHosts: updated, address: '10.9.9.9', port: 2222, key: blob('web2new') })
            .status,
        ).toBe('accepted');
      });

      it('honours wildcards and negations', () => {
        const rsa = blob('web3rsa');
        expect(verifyHostKey({ knownHosts, address: 'a.lb.example.com', port: 22, key: rsa }).status).toBe(
          'accepted',
        );
        expect(verifyHostKey({ knownHosts, address: 'bad.lb.example.com', port: 22, key: rsa }).status).toBe(
          'unknown',
        );
      });

      it('refuses a revoked key even for a host that does not pin it', () => {
        const v = verifyHostKey({ knownHosts, address: 'anything', port: 22, key: blob('revoked') });
        expect(v.status).toBe('revoked');
      });

      it('a pinned host presenting a key of another type is "changed", not "unknown"', () => {
        expect(
          verifyHostKey({ knownHosts, address: '10.0.0.11', port: 22, key: blob('web3rsa') }).status,
        ).toBe('changed');
      });

      it('a port-22 pin does not cover another port (ssh looks up [host]:port)', () => {
        expect(
          verifyHostKey({ knownHosts, address: '10.0.0.11', port: 2222, key: blob('web1') }).status,
        ).toBe('unknown');
      });
    });
  }

  it('an @cert-authority line never vouches for a plain key', () => {
    const knownHosts = parseKnownHosts(`@cert-authority * ${read('jump.pub').trim()}\n`);
    expect(verifyHostKey({ knownHosts, address: 'x.example.com', port: 22, key: blob('jump') }).status).toBe(
      'unknown',
    );
  });
});

describe('pinnedKeyTypes', () => {
  it('lists the pinned types for the host, in file order', () => {
    expect(pinnedKeyTypes(files.hashed, '10.0.0.11', 22)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    expect(pinnedKeyTypes(files.plain, 'nowhere', 22)).toEqual([]);
  });
});
