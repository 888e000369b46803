/**
 * Turns zod's issues into operator-facing ones: the position in the file, the key path, the
 * schema's "expected ..." text and the value actually found.
 */
import type { z } from 'zod';
import { UNKNOWN_KEY } from './inventory-schema.js';
import { describeValue, type InventoryIssue, type KeyPath } from './issues.js';
import { closest } from './suggest.js';
import { keyPosition, missingPosition, valuePosition, type YamlSource } from './yaml-source.js';

type ZodIssue = z.core.$ZodIssue;

// Keys whose value may be a secret typed in the wrong place: never echoed back into logs or Slack.
const SECRET_KEYS = new Set(['passphraseEnv']);

export function fromZodIssues(
  source: YamlSource,
  data: unknown,
  issues: readonly ZodIssue[],
): InventoryIssue[] {
  return issues.flatMap((issue) => translate(source, data, issue, []));
}

function translate(source: YamlSource, data: unknown, issue: ZodIssue, prefix: KeyPath): InventoryIssue[] {
  const path: KeyPath = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  if (issue.code === 'invalid_union') {
    const branch = matchingBranch(issue.errors);
    if (branch) return branch.flatMap((inner) => translate(source, data, inner, path));
  }
  if (issue.code === 'invalid_key') {
    const key = path[path.length - 1];
    const expected = issue.issues[0]?.message ?? issue.message;
    return [{ ...keyPosition(source, path), path, message: `${expected}, got ${describeValue(key)}` }];
  }
  if (issue.code === 'custom' && issue.params?.['kind'] === UNKNOWN_KEY) {
    return [{ ...keyPosition(source, path), path, message: unknownKeyMessage(path, issue.params['known']) }];
  }
  const value = valueAt(data, path);
  if (value === undefined) {
    return [{ ...missingPosition(source, path), path, message: `missing; ${issue.message}` }];
  }
  const last = path[path.length - 1];
  const got =
    typeof last === 'string' && SECRET_KEYS.has(last) ? 'a value not shown here' : describeValue(value);
  return [{ ...valuePosition(source, path), path, message: `${issue.message}, got ${got}` }];
}

/**
 * A union (e.g. jump: name | {address, ...}) fails as a whole; the useful complaint comes from the
 * one alternative whose type matched the value. When none or several did, the union's own
 * "expected ..." says it best.
 */
function matchingBranch(branches: readonly (readonly ZodIssue[])[]): readonly ZodIssue[] | undefined {
  const typeMatched = branches.filter((issues) => !issues.every(isWrongTypeHere));
  return typeMatched.length === 1 ? typeMatched[0] : undefined;
}

function isWrongTypeHere(issue: ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

function unknownKeyMessage(path: KeyPath, known: unknown): string {
  const key = String(path[path.length - 1]);
  const valid = Array.isArray(known) ? known.map(String) : [];
  const [best] = closest(key, valid, 1);
  const hint = best ? `did you mean "${best}"? ` : '';
  return `unknown key; ${hint}expected one of: ${valid.join(', ')}`;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
