/**
 * Imports point down the layers only (issue 13): a module may import its own folder and the
 * folders below it, never one above. The order is the architecture: what the host says (facts)
 * under what it means (analysis, runbooks, the report), under what may change it (policy,
 * remediation), under the ways in (http, alerts, Slack, the service, the CLI). Alerts are a
 * domain (intake, host mapping, storms, thread state) that Slack renders; the workers wiring the
 * two live in the service. A new top-level folder must be placed here before anything imports it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Bottom first. */
const LAYERS = [
  'redact',
  'util',
  'facts',
  'config',
  'transport',
  'probes',
  'analysis',
  'runbooks',
  'fixes',
  'report',
  'audit',
  'policy',
  'store',
  'queue',
  'remediation',
  'diagnosis',
  'http',
  'alerts',
  'slack',
  'service',
  'cli',
] as const;

const rank = new Map<string, number>(LAYERS.map((name, i) => [name, i]));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

function layerOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

const edges = sources(SRC).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => {
    const target = resolve(dirname(file), (m[1] ?? m[2])!);
    return { file: relative(SRC, file), from: layerOf(file), to: layerOf(target) };
  }),
);

describe('src/ layers', () => {
  it('every top-level folder has its place in the order', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !rank.has(f))).toEqual([]);
  });

  it('sees the imports (the check is not vacuous)', () => {
    expect(edges.filter((e) => e.from !== e.to).length).toBeGreaterThan(200);
  });

  it('no import points up', () => {
    const upward = edges
      .filter((e) => e.from !== e.to && (rank.get(e.to) ?? -1) > (rank.get(e.from) ?? -1))
      .map((e) => `${e.file} -> ${e.to}`);
    expect(upward).toEqual([]);
  });
});
