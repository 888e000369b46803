import { readFileSync } from 'node:fs';

/** Outputs of runtime.sh / kernel.sh captured by test/fixtures/capture/web.sh on a real host. */
export function systemFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/system/${name}`, import.meta.url), 'utf8');
}

export const WORK = '/tmp/fpm-medic-web-capture';
