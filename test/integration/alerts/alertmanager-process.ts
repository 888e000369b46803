/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for the alert tests: its own
 * config and storage dir, a free port on 127.0.0.1, HA off, a webhook receiver pointing at
 * fpm-medic with the bearer token, short group_wait/group_interval. Alerts are pushed to its API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lab/ports.js';
import { WaitAborted, waitFor } from '../../lab/wait.js';

export const ALERTMANAGER = process.env.ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';

export interface PushedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface Alertmanager {
  url: string;
  /** POST /api/v2/alerts. */
  push(alerts: PushedAlert[]): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

export async function startAlertmanager(opts: { webhookUrl: string; token: string }): Promise<Alertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-am-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: fpm-medic',
      '  group_by: [alertname, instance]',
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: fpm-medic',
      '    webhook_configs:',
      `      - url: ${opts.webhookUrl}`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      `            credentials: ${opts.token}`,
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      `--web.external-url=http://127.0.0.1:${port}`,
      '--log.level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'alertmanager to be ready',
      async () => {
        if (child.exitCode !== null)
          throw new WaitAborted(`alertmanager exited ${child.exitCode}: ${output}`);
        const res = await fetch(`${url}/-/ready`).catch(() => undefined);
        return res?.ok === true;
      },
      { timeoutMs: 20_000, detail: () => output },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    log: () => output,
    async push(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    stop,
  };
}
