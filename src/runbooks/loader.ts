import { readdir, readFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signals } from '../analysis/signals.js';
import { closest } from '../config/suggest.js';
import { pathText } from '../util/key-path.js';
import { type CompiledCondition, compileCondition } from './cel-env.js';
import { DERIVED_SPEC } from './derived.js';
import { RunbookError, type RunbookProblem } from './errors.js';
import { splitFrontMatter } from './front-matter.js';
import { frontMatterProblems } from './front-matter-issues.js';
import { frontMatterSchema } from './schema.js';
import { type FieldSpec, SIGNAL_SPEC } from './signal-spec.js';
import { compileTemplate, type Template } from './template.js';
import type { ExplainsLink, Runbook } from './types.js';

/**
 * Runbooks are data: every runbooks/*.md is read, validated and compiled once at start-up, and
 * any mistake in any file stops start-up with all problems listed (file:line: reason). After
 * that, evaluation cannot meet an unknown signal, action or placeholder.
 */
export interface RunbookSource {
  /** Shown in problems; the file name (without .md) must equal the runbook id. */
  file: string;
  text: string;
}

export interface LoadRunbooksOptions {
  /** Replaces the shipped runbooks/ directory. */
  dir?: string;
  /** Operator directories loaded in addition; their ids must not clash with any other. */
  extraDirs?: readonly string[];
}

/** Where operators' extra runbook directories come from when no option names them. */
export const RUNBOOK_DIRS_ENV = 'FPM_MEDIC_RUNBOOK_DIRS';

export function defaultRunbookDir(): string {
  return fileURLToPath(new URL('../../runbooks/', import.meta.url));
}

/** `FPM_MEDIC_RUNBOOK_DIRS=/etc/fpm-medic/runbooks:/srv/more` (path-list separator of the OS). */
export function runbookDirsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[RUNBOOK_DIRS_ENV] ?? '')
    .split(delimiter)
    .map((dir) => dir.trim())
    .filter((dir) => dir !== '');
}

export async function loadRunbooks(options: LoadRunbooksOptions = {}): Promise<Runbook[]> {
  const dirs = [options.dir ?? defaultRunbookDir(), ...(options.extraDirs ?? [])];
  const sources: RunbookSource[] = [];
  const problems: RunbookProblem[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => name.endsWith('.md')).sort();
    } catch (err) {
      problems.push({ file: dir, message: `cannot read the runbook directory: ${reason(err)}` });
      continue;
    }
    if (names.length === 0) problems.push({ file: dir, message: 'no runbook (*.md) in this directory' });
    for (const name of names) {
      const file = join(dir, name);
      try {
        sources.push({ file, text: await readFile(file, 'utf8') });
      } catch (err) {
        problems.push({ file, message: `cannot read: ${reason(err)}` });
      }
    }
  }
  return compileRunbooks(sources, problems);
}

/** Validate and compile runbook texts; throws one RunbookError listing every problem found. */
export function compileRunbooks(
  sources: readonly RunbookSource[],
  earlier: RunbookProblem[] = [],
): Runbook[] {
  const problems = [...earlier];
  const runbooks: Runbook[] = [];
  for (const source of sources) {
    const result = compileRunbook(source);
    problems.push(...result.problems);
    if (result.runbook) runbooks.push(result.runbook);
  }
  problems.push(...checkAcrossFiles(runbooks));
  if (problems.length > 0) throw new RunbookError(problems);
  return runbooks;
}

const TEMPLATE_ROOT: { [name: string]: FieldSpec } = { ...SIGNAL_SPEC, derived: { fields: DERIVED_SPEC } };

function compileRunbook(source: RunbookSource): { runbook?: Runbook; problems: RunbookProblem[] } {
  const { file } = source;
  const split = splitFrontMatter(source.text);
  if (!split.ok) return { problems: split.problems.map((p) => ({ file, ...p })) };
  const fm = split.value;
  const parsed = frontMatterSchema.safeParse(fm.data ?? {});
  if (!parsed.success) {
    return { problems: frontMatterProblems(file, parsed.error.issues, fm.data, fm.lineOf) };
  }
  const data = parsed.data;
  const problems: RunbookProblem[] = [];
  const at = (path: (string | number)[], message: string) =>
    problems.push({ file, line: fm.lineOf(path), message });

  const expected = basename(file).replace(/\.md$/, '');
  if (data.id !== expected) at(['id'], `id "${data.id}" must equal the file name "${expected}.md"`);

  const condition = (path: (string | number)[], text: string): CompiledCondition | undefined => {
    const result = compileCondition(text);
    if (result.ok) return result.condition;
    at(path, `${pathText(path)}: ${result.reason}: ${text}`);
    return undefined;
  };
  const when = condition(['when'], data.when);
  const supporting = data.supporting.map((text, i) => condition(['supporting', i], text));
  const explains = data.explains.map((link, i): ExplainsLink => {
    if (typeof link === 'string') return { runbook: link };
    const when = condition(['explains', i, 'when'], link.when);
    return when ? { runbook: link.runbook, when } : { runbook: link.runbook };
  });

  const template = (name: 'title' | 'summary' | 'fix', text: string): Template | undefined => {
    const result = compileTemplate(text, TEMPLATE_ROOT);
    if (result.ok) return result.template;
    for (const p of result.problems) at([name], `${name}: ${p.message}`);
    return undefined;
  };
  const title = template('title', data.title);
  const summary = template('summary', data.summary);
  const fix = template('fix', data.fix);
  const bodyResult = compileTemplate(fm.body, TEMPLATE_ROOT);
  if (!bodyResult.ok) {
    for (const p of bodyResult.problems) {
      const line = fm.bodyLine + (fm.body.slice(0, p.offset).match(/\n/g)?.length ?? 0);
      problems.push({ file, line, message: `body: ${p.message}` });
    }
  }

  if (problems.length > 0 || !when || !title || !summary || !fix || !bodyResult.ok) return { problems };
  return {
    problems,
    runbook: {
      id: data.id,
      file,
      severity: data.severity,
      title,
      when,
      supporting: supporting.filter((c): c is CompiledCondition => c !== undefined),
      explains,
      evidence: data.evidence as (keyof Signals)[],
      summary,
      fix,
      actions: data.actions,
      ...(data.workers ? { workers: data.workers } : {}),
      fixes: data.fixes,
      needs: data.needs,
      body: bodyResult.template,
    },
  };
}

function checkAcrossFiles(runbooks: readonly Runbook[]): RunbookProblem[] {
  const problems: RunbookProblem[] = [];
  const byId = new Map<string, Runbook>();
  for (const rb of runbooks) {
    const first = byId.get(rb.id);
    if (first)
      problems.push({ file: rb.file, message: `duplicate id "${rb.id}": also defined in ${first.file}` });
    else byId.set(rb.id, rb);
  }
  const ids = [...byId.keys()];
  for (const rb of runbooks) {
    for (const { runbook: target } of rb.explains) {
      if (target === rb.id)
        problems.push({ file: rb.file, message: `explains: a runbook cannot explain itself` });
      else if (!byId.has(target)) {
        const near = closest(target, ids);
        const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : '';
        problems.push({ file: rb.file, message: `explains: unknown runbook id "${target}"${hint}` });
      }
    }
  }
  const cycle = findCycle(byId);
  if (cycle) {
    const file = byId.get(cycle[0] ?? '')?.file ?? '(runbooks)';
    problems.push({
      file,
      message: `explains: ${cycle.join(' -> ')} is a cycle; a root cause cannot be its own symptom`,
    });
  }
  return problems;
}

function findCycle(byId: ReadonlyMap<string, Runbook>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    // Conditional links count: a cycle is a cycle on some host.
    for (const { runbook: next } of byId.get(id)?.explains ?? []) {
      if (next === id || !byId.has(next)) continue;
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of byId.keys()) {
    const found = visit(id);
    if (found) return found;
  }
  return undefined;
}

function reason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err instanceof Error ? `${err.code}: ${err.message}` : err.code;
  }
  return err instanceof Error ? err.message : String(err);
}
