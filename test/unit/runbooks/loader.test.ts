import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunbookError } from '../../../src/runbooks/errors.js';
import { ACTION_IDS, SHIPPED_RUNBOOK_IDS } from '../../../src/runbooks/ids.js';
import { compileRunbooks, loadRunbooks, runbookDirsFromEnv } from '../../../src/runbooks/loader.js';
import { isFpmMedicError } from '../../../src/util/errors.js';
import { translateZodIssues } from '../../../src/util/zod-issues.js';
import { loadProblems, minimalFrontMatter, runbookText, shippedRunbooks } from './helpers.js';

// Wraps the shared zod translator (calling through) so a test can see that this file kind uses it.
vi.mock('../../../src/util/zod-issues.js', async (real) => {
  const m = await real<typeof import('../../../src/util/zod-issues.js')>();
  return { ...m, translateZodIssues: vi.fn(m.translateZodIssues) };
});

describe('shipped runbooks', () => {
  it('every DESIGN.md runbook id loads, one file each, and nothing else', async () => {
    const runbooks = await shippedRunbooks();
    expect(runbooks.map((rb) => rb.id).sort()).toEqual([...SHIPPED_RUNBOOK_IDS].sort());
    for (const rb of runbooks) expect(rb.file.endsWith(`runbooks/${rb.id}.md`)).toBe(true);
  });

  it('each has evidence, needs, DESIGN action ids and a body with the four sections', async () => {
    for (const rb of await shippedRunbooks()) {
      expect(rb.evidence.length, rb.id).toBeGreaterThan(0);
      expect(rb.needs.length, rb.id).toBeGreaterThan(0);
      for (const action of rb.actions) expect(ACTION_IDS).toContain(action);
      const body = rb.body.source;
      for (const heading of ['## What it means', '## Confirm by hand', '## Fix now', '## Fix for good']) {
        expect(body, `${rb.id}: ${heading}`).toContain(heading);
      }
    }
  });

  it('the reload advice asks for process_control_timeout > 0', async () => {
    const restart = (await shippedRunbooks()).find((rb) => rb.id === 'restart-window')!;
    expect(restart.body.source).toMatch(/process_control_timeout = \{\{timeoutChain\.suggested\.\w+\}\}s/);
    expect(restart.fix.source).toContain('process_control_timeout > 0');
  });
});

describe('a bad runbook fails start-up naming the file and the reason', () => {
  it('YAML syntax error, with its line in the file', () => {
    const text = runbookText([...minimalFrontMatter('bad-yaml'), 'supporting: [fpm.masters > 1']);
    expect(loadProblems([{ file: 'ops/bad-yaml.md', text }])).toEqual([
      expect.stringMatching(/^ops\/bad-yaml\.md:9: YAML: /),
    ]);
  });

  it('CEL syntax error', () => {
    const text = runbookText(minimalFrontMatter('bad-cel', { when: 'when: fpm.masters > && true' }));
    expect(loadProblems([{ file: 'bad-cel.md', text }])).toEqual([
      expect.stringMatching(/^bad-cel\.md:5: when: .+: fpm\.masters > && true$/),
    ]);
  });

  it('unknown signal, top-level or nested, with a suggestion', () => {
    const text = runbookText([
      ...minimalFrontMatter('bad-signal', { when: 'when: fpm.mastrs > 0' }),
      'supporting:',
      '  - pools.exists(p, p.bussy > 1)',
      '  - poolExhausted > 0',
    ]);
    const problems = loadProblems([{ file: 'bad-signal.md', text }]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^bad-signal\.md:5: when: .*mastrs.*did you mean "masters"/);
    expect(problems[1]).toMatch(/^bad-signal\.md:10: supporting\[0\]: .*bussy.*did you mean "busy"/);
    expect(problems[2]).toMatch(
      /^bad-signal\.md:11: supporting\[1\]: .*poolExhausted.*did you mean "poolsExhausted"/,
    );
  });

  it('a condition that is not true/false', () => {
    const text = runbookText(minimalFrontMatter('not-bool', { when: 'when: fpm.masters + 1' }));
    expect(loadProblems([{ file: 'not-bool.md', text }])).toEqual([
      'not-bool.md:5: when: must be true or false, but this expression is of type int: fpm.masters + 1',
    ]);
  });

  it('unknown action', () => {
    const text = runbookText(
      minimalFrontMatter('bad-action', { actions: 'actions: [fpm-reload, fpm-restart]' }),
    );
    expect(loadProblems([{ file: 'bad-action.md', text }])).toEqual([
      'bad-action.md:8: actions[1]: unknown value "fpm-restart" (did you mean "fpm-start"?); ' +
        'expected one of: fpm-reload, fpm-start, kill-stuck-workers, apply-config',
    ]);
  });

  it('unknown evidence key, severity and need', () => {
    const text = runbookText([
      ...minimalFrontMatter('bad-enums', { severity: 'severity: major' }),
      'evidence: [pools, webb]',
      'needs: [runtime, dmesg]',
    ]);
    const problems = loadProblems([{ file: 'bad-enums.md', text }]);
    expect(problems[0]).toMatch(
      /^bad-enums\.md:4: severity: unknown value "major"; expected one of: critical, warning, info$/,
    );
    expect(problems[1]).toMatch(
      /^bad-enums\.md:9: evidence\[1\]: unknown value "webb" \(did you mean "web"\?\)/,
    );
    expect(problems[2]).toMatch(/^bad-enums\.md:10: needs\[1\]: unknown value "dmesg"; .*runtime, kernel/);
  });

  it('unknown placeholder in the summary and in the body, with the body line', () => {
    const text = runbookText(
      minimalFrontMatter('bad-placeholder', { summary: 'summary: "{{fpm.mastrs}} masters"' }),
      [
        '## What it means',
        '',
        'Pool {{derived.primaryPool}} has {{pools.busy}} busy workers.',
        'Memory: {{memory}} and {{ derived.nope }}.',
      ].join('\n'),
    );
    expect(loadProblems([{ file: 'bad-placeholder.md', text }])).toEqual([
      'bad-placeholder.md:6: summary: placeholder {{fpm.mastrs}}: unknown name "mastrs" in fpm; did you mean "masters"?',
      'bad-placeholder.md:14: body: placeholder {{memory}}: memory is a group of signals; name one of its fields: ' +
        'availableKb, budgetKb, avgWorkerRssKb, maxChildrenTotal, projectedKb, oversized, suggestedMaxChildren',
      'bad-placeholder.md:14: body: placeholder {{derived.nope}}: unknown name "nope" in derived',
    ]);
  });

  it('missing and unknown front matter keys', () => {
    const text = runbookText([...minimalFrontMatter('keys', { fix: '' }), 'explain: [pool-exhausted]']);
    expect(loadProblems([{ file: 'keys.md', text }])).toEqual([
      'keys.md:2: fix: missing (required)',
      'keys.md:8: unknown key "explain" (did you mean "explains"?); expected keys: id, title, severity, when, ' +
        'supporting, explains, evidence, summary, fix, actions, workers, fixes, needs',
    ]);
  });

  it('no front matter at all', () => {
    expect(loadProblems([{ file: 'plain.md', text: '# Just markdown\n' }])).toEqual([
      'plain.md:1: must start with a "---" line opening the YAML front matter',
    ]);
  });

  it('the id must be the file name', () => {
    const text = runbookText(minimalFrontMatter('other-name'));
    expect(loadProblems([{ file: 'dir/my-check.md', text }])).toEqual([
      'dir/my-check.md:2: id "other-name" must equal the file name "my-check.md"',
    ]);
  });

  it('duplicate ids across files', () => {
    const text = runbookText(minimalFrontMatter('pool-exhausted'));
    expect(
      loadProblems([
        { file: 'a/pool-exhausted.md', text },
        { file: 'b/pool-exhausted.md', text },
      ]),
    ).toEqual(['b/pool-exhausted.md: duplicate id "pool-exhausted": also defined in a/pool-exhausted.md']);
  });

  it('explains must name known runbooks and must not loop', () => {
    const a = runbookText([...minimalFrontMatter('loop-a'), 'explains: [loop-b]']);
    const b = runbookText([...minimalFrontMatter('loop-b'), 'explains: [loop-a, loop-c]']);
    expect(
      loadProblems([
        { file: 'loop-a.md', text: a },
        { file: 'loop-b.md', text: b },
      ]),
    ).toEqual([
      'loop-a.md: explains: loop-a -> loop-b -> loop-a is a cycle; a root cause cannot be its own symptom',
      'loop-b.md: explains: unknown runbook id "loop-c"; did you mean "loop-a"?',
    ]);
  });

  it('reports every problem of every file at once, as one RunbookError', () => {
    const bad1 = runbookText(minimalFrontMatter('one', { when: 'when: nope > 1' }));
    const bad2 = runbookText(minimalFrontMatter('two', { actions: 'actions: [reboot]' }));
    let error: unknown;
    try {
      compileRunbooks([
        { file: 'one.md', text: bad1 },
        { file: 'two.md', text: bad2 },
      ]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RunbookError);
    expect(isFpmMedicError(error) && error.code).toBe('RUNBOOK_INVALID');
    const { problems, message } = error as RunbookError;
    expect(problems.map((p) => p.file)).toEqual(['one.md', 'two.md']);
    expect(message.split('\n')[0]).toBe('2 runbook problems:');
    expect(message).toContain('one.md:5: when: Unknown variable: nope');
    expect(message).toContain('two.md:8: actions[0]: unknown value "reboot"; expected one of:');
  });
});

describe('runbook directories', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads an operator directory next to the shipped runbooks', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fpm-medic-runbooks-'));
    await writeFile(
      join(dir, 'too-many-pools.md'),
      runbookText([
        ...minimalFrontMatter('too-many-pools', { when: 'when: fpm.pools > 20' }),
        'explains: [pool-exhausted]',
      ]),
    );
    const runbooks = await loadRunbooks({ extraDirs: [dir] });
    expect(runbooks).toHaveLength(SHIPPED_RUNBOOK_IDS.length + 1);
    expect(runbooks.at(-1)?.id).toBe('too-many-pools');
  });

  it('an operator runbook may not reuse a shipped id', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fpm-medic-runbooks-'));
    const file = join(dir, 'fpm-down.md');
    await writeFile(file, runbookText(minimalFrontMatter('fpm-down')));
    await expect(loadRunbooks({ extraDirs: [dir] })).rejects.toThrow(`${file}: duplicate id "fpm-down"`);
  });

  it('a missing directory is a start-up error', async () => {
    await expect(loadRunbooks({ extraDirs: ['/nonexistent/runbooks'] })).rejects.toThrow(
      /\/nonexistent\/runbooks: cannot read the runbook directory: ENOENT/,
    );
  });

  it('FPM_MEDIC_RUNBOOK_DIRS lists extra directories', () => {
    expect(runbookDirsFromEnv({ FPM_MEDIC_RUNBOOK_DIRS: '/etc/fpm-medic/runbooks: /srv/more :' })).toEqual([
      '/etc/fpm-medic/runbooks',
      '/srv/more',
    ]);
    expect(runbookDirsFromEnv({})).toEqual([]);
  });
});

describe('the shared zod translator', () => {
  it('words front-matter problems with the file, line and key', () => {
    vi.mocked(translateZodIssues).mockClear();
    const text = runbookText(minimalFrontMatter('sev', { severity: 'severity: warnig' }));
    expect(loadProblems([{ file: 'ops/sev.md', text }])).toEqual([
      'ops/sev.md:4: severity: unknown value "warnig" (did you mean "warning"?); expected one of: critical, warning, info',
    ]);
    expect(translateZodIssues).toHaveBeenCalled();
  });
});
