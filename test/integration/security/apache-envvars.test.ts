/**
 * Apache's envvars is read as data, never sourced: an inventory-named Apache config whose
 * directory holds an envvars full of shell (command substitutions, commands) runs none of it, and
 * its plain `export APACHE_*=value` lines still reach `apache2 -t` (quotes removed, $SUFFIX and
 * earlier values substituted), so the dump includes the file they point at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebDiscovery } from '../../../src/probes/parsers/discover-web.js';
import { runProbes } from '../../../src/probes/run-probe.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';

describe("Apache's envvars, next to the inventory's config", () => {
  let dir: string;
  let marker: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-envvars-'));
    marker = join(dir, 'sourced');
    mkdirSync(join(dir, 'conf'));
    mkdirSync(join(dir, 'run'));
    mkdirSync(join(dir, 'extra.d'));
    writeFileSync(join(dir, 'extra.d', 'extra.conf'), 'ServerName envvars.test\n');
    // Debian's shape (SUFFIX computed from APACHE_CONFDIR), plus what a shell would run if sourced.
    writeFileSync(
      join(dir, 'conf', 'envvars'),
      [
        'unset HOME',
        `if [ "\${APACHE_CONFDIR##/etc/apache2-}" != "\${APACHE_CONFDIR}" ] ; then`,
        `\tSUFFIX="-\${APACHE_CONFDIR##/etc/apache2-}"`,
        'else',
        '\tSUFFIX=',
        'fi',
        `echo "sourced as $(id -u)" >> ${marker}`,
        `export APACHE_RUN_DIR=${dir}/run$SUFFIX`,
        `export APACHE_BASE="${dir}"`,
        "export APACHE_EXTRA_DIR='extra.d'",
        `export APACHE_EXTRA=\${APACHE_BASE}/$APACHE_EXTRA_DIR`,
        `export APACHE_EVIL=$(id -u >> ${marker}; echo /tmp)`,
        `export APACHE_TICKS=\`id -u >> ${marker}\``,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'conf', 'apache2.conf'),
      [
        `ServerRoot ${dir}`,
        'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
        'LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so',
        `DefaultRuntimeDir \${APACHE_RUN_DIR}`,
        `PidFile ${dir}/run/apache2.pid`,
        `ErrorLog ${dir}/error.log`,
        'Listen 127.0.0.1:1',
        `Include \${APACHE_EXTRA}/*.conf`,
        '',
      ].join('\n'),
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs nothing of it, and passes its plain values to apache2 -t', async () => {
    const config = join(dir, 'conf', 'apache2.conf');
    const [out] = await runProbes(
      new LocalTransport('envvars'),
      [{ id: 'discover-web', args: ['apache', config] }],
      {
        timeoutMs: 30_000,
      },
    );
    expect(existsSync(marker)).toBe(false);
    const web = parseWebDiscovery(out!.sections);
    expect(web.failures, out!.raw).toEqual([]);
    expect(web.servers).toHaveLength(1);
    const dump = out!.sections.find((s) => s.kind === 'section' && s.name === 'apache-config');
    expect(dump?.attrs.binary).toBe('/usr/sbin/apache2');
    expect(dump?.body).toContain(`${dir}/extra.d/extra.conf`);
    expect(dump?.body).not.toMatch(/Syntax error/);
  });
});
