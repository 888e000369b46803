import type { FileStamp, ProbeFailure, WebServerConfig, WebServerKind } from '../../facts/types.js';
import { probeFailure } from '../failure-fix.js';
import { sectionFailures } from '../section-failures.js';
import { type Section, splitSections } from '../sections.js';
import { parseApacheConfig } from './apache-config.js';
import { fileStamp } from './file-stamp.js';
import { parseNginxConfig } from './nginx-config.js';

export interface WebDiscovery {
  servers: WebServerConfig[];
  /** Kinds discovery looked for and found no master of (not a failure: just not there). */
  absent: WebServerKind[];
  /** Processes that looked like masters and were ignored as untrusted (docs/security.md). */
  ignoredPids: number[];
  failures: ProbeFailure[];
}

function pidOf(attrs: Record<string, string>): number | undefined {
  const n = Number(attrs.pid);
  return attrs.pid && attrs.pid !== '-' && Number.isInteger(n) ? n : undefined;
}

function meta(attrs: Record<string, string>) {
  const m: { pid?: number; binary?: string; configPath?: string; prefix?: string } = {};
  const pid = pidOf(attrs);
  if (pid !== undefined) m.pid = pid;
  if (attrs.binary) m.binary = attrs.binary;
  if (attrs.config) m.configPath = attrs.config;
  if (attrs.prefix) m.prefix = attrs.prefix;
  return m;
}

const isMaster = (s: Section) =>
  s.kind === 'section' && (s.name === 'nginx-config' || s.name === 'apache-config');

/**
 * What a config test of this master needs besides its binary and config (its -p or -d), and the
 * web-file sections that follow master section `at`, with its pid, until the next master.
 */
function withFiles(server: WebServerConfig, sections: readonly Section[], at: number): WebServerConfig {
  const { pid, prefix, root } = sections[at]!.attrs;
  const startDir = prefix ?? root;
  if (startDir?.startsWith('/')) server = { ...server, startDir };
  const files: FileStamp[] = [];
  for (let j = at + 1; j < sections.length && !isMaster(sections[j]!); j++) {
    const t = sections[j]!;
    if (t.kind !== 'section' || t.name !== 'web-file' || t.attrs.pid !== pid) continue;
    const stamp = fileStamp(t.attrs);
    if (stamp && !files.some((f) => f.path === stamp.path)) files.push(stamp);
  }
  return files.length > 0 ? { ...server, files } : server;
}

/** The whole output of discover-web.sh -> one WebServerConfig per master, and what failed. */
export function parseWebDiscovery(output: string | Section[]): WebDiscovery {
  const sections = typeof output === 'string' ? splitSections(output) : output;
  const untrusted = sections.filter((s) => s.kind === 'error' && s.attrs.reason === 'untrusted');
  const result: WebDiscovery = {
    servers: [],
    absent: [],
    ignoredPids: [],
    failures: sectionFailures(
      'discover-web',
      sections.filter((s) => !untrusted.includes(s)),
    ),
  };
  for (const s of untrusted) {
    const pid = pidOf(s.attrs);
    if (pid !== undefined) result.ignoredPids.push(pid);
    const target = `${s.attrs.kind ?? 'web server'} master ${s.attrs.pid ?? '?'}`;
    result.failures.push(probeFailure('discover-web', target, 'untrusted', s.body.trim()));
  }
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i]!;
    if (s.kind === 'error') continue;
    if (s.name === 'web-absent') {
      if (s.attrs.kind === 'nginx' || s.attrs.kind === 'apache') result.absent.push(s.attrs.kind);
    } else if (s.name === 'nginx-config') {
      result.servers.push(withFiles(parseNginxConfig(s.body, meta(s.attrs)), sections, i));
    } else if (s.name === 'apache-config') {
      // Its -S and files follow, tagged with the same pid, until the next master.
      const files = new Map<string, string>();
      let vhosts: string | undefined;
      let j = i + 1;
      for (; j < sections.length; j++) {
        const t = sections[j]!;
        if (isMaster(t)) break;
        if (t.kind === 'error' || t.attrs.pid !== s.attrs.pid) continue;
        if (t.name === 'apache-vhosts') vhosts = t.body;
        else if (t.name === 'apache-file' && t.attrs.path) files.set(t.attrs.path, t.body);
      }
      const dump = vhosts === undefined ? { includes: s.body, files } : { includes: s.body, vhosts, files };
      result.servers.push(withFiles(parseApacheConfig(dump, meta(s.attrs)), sections, i));
    }
  }
  return result;
}
