/**
 * From a schema-valid, reference-checked inventory file to per-host settings: defaults < groups
 * < host, "~/" expanded, jumps linked. Checks that need the merged view (a user and a way to log
 * in for each SSH host, conflicting groups, jump cycles) live here because only here is the
 * effective value known; each issue points at the line that set the value.
 */
import type { InventoryFile, JumpSetting, Labels, SshSettings } from './inventory-schema.js';
import type { InventoryIssue, KeyPath } from './issues.js';
import {
  type Inventory,
  type ResolvedHost,
  type ResolvedJump,
  type ResolvedSsh,
  SSH_DEFAULTS,
} from './types.js';
import { commandWords, parseSelfAddress } from './values.js';
import { keyPosition, valuePosition, type YamlSource } from './yaml-source.js';

type SshKey = keyof SshSettings;

interface Layer {
  /** Path of the map holding ssh/labels (defaults, a group, a host). */
  path: KeyPath;
  /** Group name, for conflict messages; undefined for defaults and the host. */
  group?: string;
  ssh?: SshSettings;
  labels?: Labels;
}

/** A merged setting and where it was written, so an issue about it points at that line. */
interface Origin<T> {
  value: T;
  path: KeyPath;
}

type MergedSsh = { [K in SshKey]?: Origin<NonNullable<SshSettings[K]>> };

export type Resolution = { ok: true; inventory: Inventory } | { ok: false; issues: InventoryIssue[] };

export function expandHome(path: string, homeDir: string): string {
  return path.startsWith('~/') ? `${homeDir.replace(/\/+$/, '')}/${path.slice(2)}` : path;
}

function groupLayers(file: InventoryFile): Map<string, Layer> {
  const layers = new Map<string, Layer>();
  for (const [name, group] of Object.entries(file.groups ?? {})) {
    const path = ['groups', name];
    layers.set(name, Array.isArray(group) ? { path, group: name } : { path, group: name, ...group });
  }
  return layers;
}

function membersOf(file: InventoryFile): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const [name, group] of Object.entries(file.groups ?? {})) {
    members.set(name, [...new Set(Array.isArray(group) ? group : group.hosts)]);
  }
  return members;
}

function mergeSsh(layers: readonly Layer[]): MergedSsh {
  const merged: Record<string, Origin<unknown>> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.ssh ?? {})) {
      if (value !== undefined) merged[key] = { value, path: [...layer.path, 'ssh', key] };
    }
  }
  return merged as MergedSsh;
}

function mergeLabels(layers: readonly Layer[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const layer of layers) Object.assign(labels, layer.labels);
  return labels;
}

/**
 * Two groups of one host setting the same key differently would make the result depend on
 * the order groups are written in; the host must decide.
 */
function groupConflicts(
  host: string,
  hostLayer: Layer,
  groups: readonly Layer[],
): { path: KeyPath; message: string }[] {
  const conflicts: { path: KeyPath; message: string }[] = [];
  const check = (section: 'ssh' | 'labels', own: Record<string, unknown> | undefined) => {
    const first = new Map<string, { group: string; value: unknown }>();
    const reported = new Set<string>();
    for (const layer of groups) {
      for (const [key, value] of Object.entries(layer[section] ?? {})) {
        if (value === undefined || own?.[key] !== undefined || reported.has(key)) continue;
        const earlier = first.get(key);
        if (!earlier) {
          first.set(key, { group: layer.group ?? '', value });
        } else if (JSON.stringify(earlier.value) !== JSON.stringify(value)) {
          reported.add(key);
          conflicts.push({
            path: ['hosts', host, section, key],
            message:
              `groups ${earlier.group} and ${layer.group} set different values ` +
              `(${JSON.stringify(earlier.value)} and ${JSON.stringify(value)}); set ${section}.${key} on the host`,
          });
        }
      }
    }
  };
  check('ssh', hostLayer.ssh);
  check('labels', hostLayer.labels);
  return conflicts;
}

/** The first jump cycle through each host, reported once per cycle. */
function jumpCycles(jumpNames: ReadonlyMap<string, string>): string[][] {
  const cycles: string[][] = [];
  const inReportedCycle = new Set<string>();
  for (const startHost of jumpNames.keys()) {
    const chain: string[] = [];
    let current: string | undefined = startHost;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = jumpNames.get(current);
    }
    if (current === undefined) continue;
    const cycle = chain.slice(chain.indexOf(current));
    if (cycle.some((h) => inReportedCycle.has(h))) continue;
    for (const h of cycle) inReportedCycle.add(h);
    cycles.push([...cycle, current]);
  }
  return cycles;
}

export function resolveInventory(
  fileName: string,
  file: InventoryFile,
  source: YamlSource,
  homeDir: string,
): Resolution {
  const issues: InventoryIssue[] = [];
  const fail = (path: KeyPath, message: string, where: 'key' | 'value') => {
    const pos = where === 'key' ? keyPosition(source, path) : valuePosition(source, path);
    issues.push({ ...pos, path, message });
  };
  const members = membersOf(file);
  const layersByGroup = groupLayers(file);
  const defaults: Layer = { path: ['defaults'], ...file.defaults };

  const groupsOfHost = new Map<string, string[]>();
  for (const [group, hosts] of members) {
    for (const host of hosts) groupsOfHost.set(host, [...(groupsOfHost.get(host) ?? []), group]);
  }

  interface Draft {
    ssh: MergedSsh;
    labels: Record<string, string>;
  }
  const drafts = new Map<string, Draft>();
  const jumpNames = new Map<string, string>();
  const jumpOrigins = new Map<string, Origin<JumpSetting>>();

  for (const [name, host] of Object.entries(file.hosts)) {
    const hostLayer: Layer = { path: ['hosts', name], ssh: host.ssh, labels: host.labels };
    const groupLayersOfHost = (groupsOfHost.get(name) ?? []).map((g) => layersByGroup.get(g)!);
    for (const c of groupConflicts(name, hostLayer, groupLayersOfHost)) fail(c.path, c.message, 'key');
    const layers = [defaults, ...groupLayersOfHost, hostLayer];
    const ssh = mergeSsh(layers);
    drafts.set(name, { ssh, labels: mergeLabels(layers) });
    if (host.address === 'local') continue;

    if (!ssh.user) {
      fail(
        ['hosts', name, 'ssh', 'user'],
        'no SSH user for this host; expected ssh.user under defaults, one of its groups, or the host',
        'key',
      );
    }
    if (!ssh.privateKeyPath && !ssh.agent?.value) {
      fail(
        ['hosts', name, 'ssh'],
        'no way to log in; expected ssh.privateKeyPath or ssh.agent under defaults, one of its groups, or the host',
        'key',
      );
    }
    const jump = ssh.jump;
    if (jump && jump.value !== false) {
      const setOnHost = jump.path[0] === 'hosts';
      if (jump.value === name) {
        // An inherited jump naming the host itself is the bastion meeting its own default.
        if (setOnHost) fail(jump.path, 'a host cannot be its own jump host', 'value');
        continue;
      }
      jumpOrigins.set(name, jump);
      if (typeof jump.value === 'string') jumpNames.set(name, jump.value);
    }
  }

  for (const cycle of jumpCycles(jumpNames)) {
    const origin = jumpOrigins.get(cycle[0]!)!;
    fail(
      origin.path,
      `jump cycle ${cycle.join(' -> ')}; a chain of jump hosts must end at a direct connection`,
      'value',
    );
  }
  if (issues.length > 0) return { ok: false, issues };

  const expand = (p: string) => expandHome(p, homeDir);
  const baseSsh = (draft: Draft): Omit<ResolvedSsh, 'jump'> => {
    const s = draft.ssh;
    const agent = s.agent?.value ?? SSH_DEFAULTS.agent;
    return {
      user: s.user!.value,
      port: s.port?.value ?? SSH_DEFAULTS.port,
      ...(s.privateKeyPath && { privateKeyPath: expand(s.privateKeyPath.value) }),
      knownHostsPath: expand(s.knownHostsPath?.value ?? SSH_DEFAULTS.knownHostsPath),
      agent: typeof agent === 'string' ? expand(agent) : agent,
      ...(s.passphraseEnv && { passphraseEnv: s.passphraseEnv.value }),
      connectTimeoutMs: s.connectTimeoutMs?.value ?? SSH_DEFAULTS.connectTimeoutMs,
      maxChannels: s.maxChannels?.value ?? SSH_DEFAULTS.maxChannels,
    };
  };

  const sshMemo = new Map<string, ResolvedSsh>();
  const sshFor = (name: string): ResolvedSsh => {
    const memo = sshMemo.get(name);
    if (memo) return memo;
    const base = baseSsh(drafts.get(name)!);
    const setting = jumpOrigins.get(name)?.value;
    let jump: ResolvedJump | null = null;
    if (typeof setting === 'string') {
      // Acyclic (checked above), so this recursion ends.
      jump = { name: setting, address: file.hosts[setting]!.address, ssh: sshFor(setting) };
    } else if (setting) {
      // An inline jump logs in with the host's own keys; only where and as whom differ.
      jump = {
        name: null,
        address: setting.address,
        ssh: {
          ...base,
          port: setting.port ?? SSH_DEFAULTS.port,
          user: setting.user ?? base.user,
          jump: null,
        },
      };
    }
    const resolved = { ...base, jump };
    sshMemo.set(name, resolved);
    return resolved;
  };

  const hosts = new Map<string, ResolvedHost>();
  for (const [name, host] of Object.entries(file.hosts)) {
    const draft = drafts.get(name)!;
    const local = host.address === 'local';
    const { reload, start, ...fpm } = host.fpm ?? {};
    const { reload: webReload, ...web } = host.web ?? {};
    hosts.set(name, {
      name,
      address: host.address,
      local,
      ssh: local ? null : sshFor(name),
      commandTimeoutMs: draft.ssh.commandTimeoutMs?.value ?? SSH_DEFAULTS.commandTimeoutMs,
      become: draft.ssh.become?.value ?? SSH_DEFAULTS.become,
      labels: draft.labels,
      selfAddresses: (host.selfAddresses ?? []).map((a) => parseSelfAddress(a)!),
      fpm: {
        ...fpm,
        ...(reload !== undefined && { reload: commandWords(reload)! }),
        ...(start !== undefined && { start: commandWords(start)! }),
      },
      web: { ...web, ...(webReload !== undefined && { reload: commandWords(webReload)! }) },
      groups: groupsOfHost.get(name) ?? [],
    });
  }
  return { ok: true, inventory: { file: fileName, hosts, groups: members } };
}
