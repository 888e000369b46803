import { closest } from '../config/suggest.js';
import { type FieldSpec, isListSpec } from './signal-spec.js';

/**
 * `{{path.to.value}}` and nothing else: no sections, no conditionals, no escaping rules to learn.
 * Paths are checked against the spec when a runbook loads, so a typo is a start-up error and
 * rendering can never meet an unknown name. A path through a list of records (`pools.name`)
 * yields one value per record; lists render joined with ", ".
 */
export interface Template {
  source: string;
  parts: (string | { path: string[] })[];
}

export interface TemplateProblem {
  /** Character offset of the placeholder in the source. */
  offset: number;
  message: string;
}

export type TemplateResult = { ok: true; template: Template } | { ok: false; problems: TemplateProblem[] };

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function compileTemplate(source: string, root: { [name: string]: FieldSpec }): TemplateResult {
  const parts: Template['parts'] = [];
  const problems: TemplateProblem[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const inner = (match[1] ?? '').trim();
    parts.push(source.slice(last, match.index));
    last = match.index + match[0].length;
    if (!PATH.test(inner)) {
      problems.push({
        offset: match.index,
        message: `placeholder {{${inner}}} is not a dotted signal name such as {{fpm.masters}}`,
      });
      continue;
    }
    const problem = checkPath(inner.split('.'), root);
    if (problem !== undefined)
      problems.push({ offset: match.index, message: `placeholder {{${inner}}}: ${problem}` });
    else parts.push({ path: inner.split('.') });
  }
  parts.push(source.slice(last));
  const stray = source.replace(PLACEHOLDER, (m) => ' '.repeat(m.length)).indexOf('{{');
  if (stray >= 0) problems.push({ offset: stray, message: '"{{" without a matching "}}"' });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, template: { source, parts: parts.filter((part) => part !== '') } };
}

function checkPath(path: string[], root: { [name: string]: FieldSpec }): string | undefined {
  let fields: { [name: string]: FieldSpec } = root;
  let where = '';
  for (const [i, segment] of path.entries()) {
    const spec = fields[segment];
    if (spec === undefined) {
      const near = closest(segment, Object.keys(fields));
      const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : '';
      return `unknown name "${segment}"${where ? ` in ${where}` : ''}${hint}`;
    }
    where = path.slice(0, i + 1).join('.');
    const isLast = i === path.length - 1;
    if (typeof spec === 'string')
      return isLast ? undefined : `${where} is a single value, it has no "${path[i + 1]}"`;
    if (isLast) {
      const kind = isListSpec(spec) ? 'a list of records' : 'a group of signals';
      return `${where} is ${kind}; name one of its fields: ${Object.keys(spec.fields).join(', ')}`;
    }
    fields = spec.fields;
  }
  return undefined;
}

export function renderTemplate(template: Template, values: Record<string, unknown>): string {
  return template.parts
    .map((part) => (typeof part === 'string' ? part : format(lookup(values, part.path))))
    .join('');
}

function lookup(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.map((item) => lookup(item, path));
  if (value === null || typeof value !== 'object') return undefined;
  const [head, ...rest] = path;
  return lookup((value as Record<string, unknown>)[head as string], rest);
}

export function format(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(format).join(', ');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  return '';
}
