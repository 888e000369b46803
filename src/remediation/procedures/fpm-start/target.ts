/**
 * What fpm-start would start, and how, from the precheck: the inventory's fpm.config (else the one
 * FPM config the distribution layout shows on the host), the binary (fpm.binary, else the one the
 * config's location implies), and the way to start it (fpm.start, else the systemd service that
 * starts that config, else the binary itself, daemonized). Anything ambiguous is refused with what
 * to configure.
 */
import type { ResolvedHost } from '../../../config/types.js';
import type { Picked } from '../fpm-reload/target.js';
import type { StartPrecheck } from './parse.js';

export interface StartPlan {
  config: string;
  exe: string;
  method: 'command' | 'systemd' | 'binary';
  /** After `start TIMEOUT_SEC`: the method and its words. */
  args: string[];
  /** How it is started, for the summary. */
  label: string;
  /** Masters already running (other configs): the new one is the master not among them. */
  runningBefore: number[];
}

export const DEFAULT_CONFIGS = [
  '/etc/php/*/fpm/php-fpm.conf',
  '/etc/php-fpm.conf',
  '/usr/local/etc/php-fpm.conf',
];

export function pickStart(p: StartPrecheck, host: Pick<ResolvedHost, 'fpm'>): Picked<StartPlan> {
  const pinned = host.fpm.config;
  const running = pinned ? p.masters.filter((m) => m.config === pinned) : p.masters;
  if (running.length > 0) {
    const pids = running.map((m) => m.pid).join(', ');
    return {
      ok: false,
      summary: pinned
        ? `FPM is running, pid ${pids}: use fpm-reload`
        : `FPM is running, pid ${pids} (${running.map((m) => m.config).join(', ')}): use fpm-reload, or set fpm.config in the inventory to start another`,
    };
  }
  let candidate = pinned ? (p.candidates.find((c) => c.config === pinned) ?? { config: pinned }) : undefined;
  if (!candidate) {
    if (p.candidates.length === 0) {
      return {
        ok: false,
        summary: `no FPM config found (looked for ${DEFAULT_CONFIGS.join(', ')}): set fpm.config (and fpm.binary) in the inventory`,
      };
    }
    if (p.candidates.length > 1) {
      return {
        ok: false,
        summary: `several FPM configs: ${p.candidates.map((c) => c.config).join(', ')}; set fpm.config in the inventory to choose the one to start`,
      };
    }
    candidate = p.candidates[0]!;
  }
  const exe = host.fpm.binary ?? candidate.exe;
  if (!exe) {
    return {
      ok: false,
      summary: `cannot tell which php-fpm binary starts ${candidate.config}: set fpm.binary in the inventory`,
    };
  }
  const base = { config: candidate.config, exe, runningBefore: p.masters.map((m) => m.pid) };
  if (host.fpm.start) {
    return {
      ok: true,
      target: {
        ...base,
        method: 'command',
        args: ['command', ...host.fpm.start],
        label: `\`${host.fpm.start.join(' ')}\``,
      },
    };
  }
  if (p.systemd && candidate.unit) {
    return {
      ok: true,
      target: {
        ...base,
        method: 'systemd',
        args: ['systemd', candidate.unit],
        label: `systemctl start ${candidate.unit}`,
      },
    };
  }
  return {
    ok: true,
    target: {
      ...base,
      method: 'binary',
      args: ['binary', exe, candidate.config],
      label: `${exe.split('/').pop()} --daemonize --fpm-config ${candidate.config}`,
    },
  };
}
