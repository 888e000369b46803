/**
 * The captured action outputs (test/fixtures/actions/, written by test/fixtures/capture/actions.sh
 * from a real php-fpm8.2 through the real scripts) and the round-1 probe outputs of the same run.
 */
import { readFileSync } from 'node:fs';
import type { ProbeOutput } from '../../../../src/probes/run-probe.js';
import { type Section, splitSections } from '../../../../src/probes/sections.js';

export const WORK = '/tmp/fpm-medic-actions-capture';
export const CONF = `${WORK}/etc/php-fpm.conf`;
export const SOCK = `${WORK}/run/unixpool.sock`;
export const LOG = `${WORK}/log/php-fpm.log`;

export function actionFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/actions/${name}`, import.meta.url), 'utf8');
}

export function sections(name: string): Section[] {
  return splitSections(actionFixture(name));
}

/** A probe's captured output as runProbes hands it over. */
export function probeOutput(id: string, name: string): ProbeOutput {
  const raw = actionFixture(name);
  return {
    run: { id, ok: true, ms: 0, bytes: raw.length },
    sections: splitSections(raw),
    failures: [],
    raw,
  };
}
