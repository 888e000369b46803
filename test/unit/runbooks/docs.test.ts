import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DERIVED_SPEC } from '../../../src/runbooks/derived.js';
import { SHIPPED_RUNBOOK_IDS } from '../../../src/runbooks/ids.js';
import { compileRunbooks } from '../../../src/runbooks/loader.js';
import { leafPaths } from '../../../src/runbooks/signal-spec.js';

const docs = () => readFile(new URL('../../../docs/runbooks.md', import.meta.url), 'utf8');

describe('docs/runbooks.md', () => {
  it('documents every signal, derived value and shipped runbook', async () => {
    const text = await docs();
    // A table row per name, whatever the column padding.
    const rows = new Set([...text.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]));
    const missing = [
      ...leafPaths(),
      ...Object.keys(DERIVED_SPEC).map((name) => `derived.${name}`),
      ...SHIPPED_RUNBOOK_IDS,
    ].filter((name) => !rows.has(name));
    expect(missing).toEqual([]);
  });

  it('the example runbook loads', async () => {
    const example = /```text\n(---[\s\S]*?)\n```/.exec(await docs())?.[1];
    expect(example).toBeDefined();
    const [runbook] = compileRunbooks([{ file: 'pool-nearly-full.md', text: example! }]);
    expect(runbook?.id).toBe('pool-nearly-full');
  });
});
