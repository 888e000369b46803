import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVICE_ENV_NAMES } from '../../../src/config/env.js';
import { ROOT } from './source-scan.js';

/**
 * `docker compose up` cannot run here (no Docker engine), so what can go wrong in it is checked
 * without one: the compose file against the Compose specification's schema and dclint's rules,
 * everything it names against the repository, and the Dockerfile with a real Dockerfile linter.
 */

interface ComposeService {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  env_file?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const composePath = join(ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(composePath, 'utf8')) as ComposeFile;
/** Read by src/util/logger.ts, outside the service schema. */
const ENV_NAMES = new Set([...SERVICE_ENV_NAMES, 'FPM_MEDIC_LOG_LEVEL']);

interface DclintResult {
  messages: { rule: string; type: string; message: string; line: number }[];
}

function dclint(file: string): DclintResult['messages'] {
  const bin = join(ROOT, 'node_modules/.bin/dclint');
  let out: string;
  try {
    out = execFileSync(bin, [file, '-f', 'json', '--color', 'false'], { encoding: 'utf8' });
  } catch (e) {
    out = (e as { stdout: string }).stdout;
  }
  return (JSON.parse(out) as DclintResult[]).flatMap((r) => r.messages);
}

const scratch = mkdtempSync(join(tmpdir(), 'fpm-medic-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification and clean under dclint', () => {
    expect(dclint(composePath)).toEqual([]);
  });

  it('a key the specification does not know is caught (the check can fail)', () => {
    const bad = join(scratch, 'docker-compose.yml');
    writeFileSync(
      bad,
      readFileSync(composePath, 'utf8').replace('stop_grace_period: 30s', 'stop_grace_perod: 30s'),
    );
    expect(dclint(bad).map((m) => m.rule)).toContain('invalid-schema');
  });

  it('builds from this repository and names only variables the service reads', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build !== undefined) {
        const b = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
        expect(
          existsSync(join(ROOT, b.context, b.dockerfile ?? 'Dockerfile')),
          `${name}: build context`,
        ).toBe(true);
      } else {
        // No "latest": a pinned major version, so a new release cannot change the stack unseen.
        expect(svc.image, name).toMatch(/^[a-z0-9./-]+:[0-9]/);
      }
      for (const f of [svc.env_file ?? []].flat()) {
        // The user's .env is made from the example; the example must exist and cover the service.
        expect(f).toBe('.env');
        expect(existsSync(join(ROOT, '.env.example'))).toBe(true);
      }
      if (svc.build === undefined) continue;
      for (const key of Object.keys(svc.environment ?? {})) {
        expect(ENV_NAMES.has(key), `${name}: ${key} is read by fpm-medic`).toBe(true);
        expect(documented.has(key), `${name}: ${key} is in .env.example`).toBe(true);
      }
      expect(['serve', 'worker']).toContain(svc.command?.[0]);
    }
  });

  it('.env.example documents every variable the service reads', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    for (const name of ENV_NAMES) expect(example, name).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const dockerfile = DockerfileParser.parse(text);

  it('passes dockerfile-utils validation', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('a broken instruction is caught (the check can fail)', () => {
    expect(validate(text.replace('WORKDIR /app', 'WORKDIRR /app')).length).toBeGreaterThan(0);
  });

  it('builds dist/ the way the tests do and ships everything the package ships', () => {
    const runs = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      files: string[];
      scripts: Record<string, string>;
    };
    // `npm run build` is `tsc -p tsconfig.build.json`, the build npm install's prepare step makes
    // for the tests' bin/fpm-medic.js.
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
    expect(pkg.scripts.prepare).toBe('npm run build');
    const stages = dockerfile.getFROMs().length;
    const final = dockerfile.getInstructions().filter((i) => i.getKeyword() === 'COPY');
    const shipped = new Set<string>();
    for (const copy of final) {
      const sources = copy
        .getArguments()
        .map((a) => a.getValue())
        .slice(0, -1);
      // --from=build: copied from an earlier stage, not from this repository (flags are not arguments).
      const fromStage = copy instanceof Copy && copy.getFlags().some((f) => f.getName() === 'from');
      for (const s of sources) {
        const path = s.replace(/^\/app\//, '').replace(/^\.\//, '');
        shipped.add(path);
        if (!fromStage) expect(existsSync(join(ROOT, path)), `COPY source ${s}`).toBe(true);
      }
    }
    expect(stages).toBeGreaterThanOrEqual(2);
    for (const f of pkg.files) expect(shipped.has(f), `the image ships ${f}/`).toBe(true);
  });
});
