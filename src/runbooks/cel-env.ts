import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { Signals } from '../analysis/signals.js';
import { closest } from '../config/suggest.js';
import {
  type FieldSpec,
  isListSpec,
  type LeafSpec,
  leafPaths,
  type ObjectSpec,
  SIGNAL_SPEC,
} from './signal-spec.js';

/**
 * The CEL environment runbook conditions are checked and evaluated in. Every top-level key of
 * Signals is a declared variable with its full nested type, so `fpm.mastrs > 0` or
 * `pools.exists(p, p.bussy > 0)` is rejected by `check` when runbooks load, not when an
 * incident is being diagnosed. Nothing else is declared: conditions see Signals and nothing more.
 */
export function createCelEnvironment(): Environment {
  const env = new Environment();
  const registered = new Set<string>();
  const celType = (spec: FieldSpec): string | { [k: string]: unknown } => {
    if (typeof spec === 'string') return spec;
    if (isListSpec(spec)) {
      if (!registered.has(spec.listOf)) {
        env.registerType(spec.listOf, { fields: { ...spec.fields } });
        registered.add(spec.listOf);
      }
      return `list<${spec.listOf}>`;
    }
    return schemaOf(spec);
  };
  const schemaOf = (spec: ObjectSpec): { [k: string]: unknown } =>
    Object.fromEntries(Object.entries(spec.fields).map(([name, field]) => [name, celType(field)]));

  for (const [name, spec] of Object.entries(SIGNAL_SPEC) as [string, FieldSpec][]) {
    const type = celType(spec);
    if (typeof type === 'string') env.registerVariable(name, type);
    // biome-ignore lint/suspicious/noExplicitAny: cel-js types nested schemas as string | ObjectSchema only
    else env.registerVariable({ name, schema: type as any });
  }
  return env;
}

let shared: Environment | undefined;

/** One environment for the process: building it is the expensive part. */
export function celEnvironment(): Environment {
  shared ??= createCelEnvironment();
  return shared;
}

export interface CompiledCondition {
  source: string;
  evaluate: (context: Record<string, unknown>) => boolean;
}

export type CompileResult = { ok: true; condition: CompiledCondition } | { ok: false; reason: string };

/** Names a nested "No such key" may have meant: every field name at any depth. */
const FIELD_NAMES = [...new Set(leafPaths().flatMap((path) => path.split('.').slice(1)))];

/** Type-check and parse one condition; it must be a bool over declared signals. */
export function compileCondition(source: string, env: Environment = celEnvironment()): CompileResult {
  let checked: ReturnType<Environment['check']>;
  try {
    checked = env.check(source);
  } catch (err) {
    return { ok: false, reason: explain(err) };
  }
  if (!checked.valid) return { ok: false, reason: explain(checked.error) };
  if (checked.type !== 'bool') {
    return { ok: false, reason: `must be true or false, but this expression is of type ${checked.type}` };
  }
  let parsed: ParseResult;
  try {
    parsed = env.parse(source);
  } catch (err) {
    return { ok: false, reason: explain(err) };
  }
  return { ok: true, condition: { source, evaluate: (context) => parsed(context) === true } };
}

function explain(err: unknown): string {
  const summary =
    err && typeof err === 'object' && 'summary' in err && typeof err.summary === 'string'
      ? err.summary
      : err instanceof Error
        ? (err.message.split('\n')[0] ?? err.message)
        : String(err);
  const found = /(No such key|Unknown variable): (\w+)/.exec(summary);
  const unknown = found?.[2];
  if (unknown === undefined) return summary;
  const near = closest(unknown, found?.[1] === 'Unknown variable' ? Object.keys(SIGNAL_SPEC) : FIELD_NAMES);
  return near.length > 0 ? `${summary} (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : summary;
}

/**
 * Signals as CEL wants them: ints as BigInt, doubles as number, driven by the declared spec so a
 * count that happens to be 3 and a ratio that happens to be 3.0 both compare with `> 0`. A field
 * an analyzer left out reads as its zero value rather than failing the whole evaluation.
 */
export function signalsToCel(signals: Signals): Record<string, unknown> {
  return convertFields(SIGNAL_SPEC as { [name: string]: FieldSpec }, signals as unknown);
}

function convertFields(fields: { [name: string]: FieldSpec }, value: unknown): Record<string, unknown> {
  const source = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) out[name] = convert(spec, source[name]);
  return out;
}

function convert(spec: FieldSpec, value: unknown): unknown {
  if (typeof spec === 'string') return convertLeaf(spec, value);
  if (isListSpec(spec))
    return Array.isArray(value) ? value.map((item) => convertFields(spec.fields, item)) : [];
  return convertFields(spec.fields, value);
}

function convertLeaf(spec: LeafSpec, value: unknown): unknown {
  switch (spec) {
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : 0;
      return Number.isFinite(n) ? BigInt(Math.round(n)) : 0n;
    }
    case 'double':
      return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : 0;
    case 'string':
      return typeof value === 'string' ? value : '';
    case 'bool':
      return value === true;
    case 'list<string>':
      return Array.isArray(value) ? value.map(String) : [];
    case 'list<int>':
      return Array.isArray(value) ? value.map((item) => convertLeaf('int', item)) : [];
  }
}
