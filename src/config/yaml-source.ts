/**
 * The YAML side of the inventory: parsing with positions, and mapping a key path back to the line
 * and column an operator has to edit. Kept apart from the schema so every check (syntax, schema,
 * cross-references) reports positions the same way.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { InventoryIssue, KeyPath } from './issues.js';

export interface YamlSource {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export type ParsedYaml =
  | { ok: true; source: YamlSource; data: unknown; issues: InventoryIssue[] }
  | { ok: false; issues: InventoryIssue[] };

// Far above any real alias use; stops "billion laughs" expansion from eating the bot's memory.
const MAX_ALIAS_COUNT = 100;

export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  // Duplicate keys are found by keyIssues() below, which knows the key path and the first
  // occurrence; the library's own check would only give an offset.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const source: YamlSource = { doc, lines };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({
        ...at(source, skipIndent(text, e.pos[0])),
        path: [],
        message: `YAML syntax error: ${yamlMessage(e.message)}`,
      })),
    };
  }
  const aliasIssues = unresolvedAliases(source);
  if (aliasIssues.length > 0) return { ok: false, issues: aliasIssues };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return {
      ok: false,
      issues: [{ line: 1, col: 1, path: [], message: `YAML error: ${(err as Error).message}` }],
    };
  }
  return { ok: true, source, data, issues: keyIssues(source) };
}

/** Indentation errors are reported at the line start; the misplaced key is where to look. */
function skipIndent(text: string, offset: number): number {
  let i = offset;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return text[i] === '\n' || i >= text.length ? offset : i;
}

function yamlMessage(message: string): string {
  // The library's wording is good; only its trailing position text duplicates ours.
  return message.replace(/ at line \d+, column \d+[\s\S]*$/, '').trim();
}

function at(source: YamlSource, offset: number): Position {
  const { line, col } = source.lines.linePos(offset);
  return { line, col };
}

type Visit = (node: Node, path: KeyPath) => void;

function walk(source: YamlSource, visit: Visit): void {
  const seen = new Set<Node>();
  const go = (node: unknown, path: KeyPath) => {
    if (!node || typeof node !== 'object' || seen.has(node as Node)) return;
    seen.add(node as Node);
    visit(node as Node, path);
    if (isMap(node)) {
      for (const pair of node.items) go(pair.value, [...path, keyText(pair.key)]);
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        go(item, [...path, i]);
      });
    }
  };
  go(source.doc.contents, []);
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function unresolvedAliases(source: YamlSource): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  walk(source, (node, path) => {
    if (isAlias(node) && !node.resolve(source.doc)) {
      issues.push({
        ...at(source, node.range?.[0] ?? 0),
        path,
        message: `YAML error: alias *${node.source} has no anchor &${node.source} before it`,
      });
    }
  });
  return issues;
}

/** Duplicate keys, and keys that would not survive conversion to JavaScript objects. */
export function keyIssues(source: YamlSource): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  walk(source, (node, path) => {
    if (!isMap(node)) return;
    const first = new Map<string, Position>();
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const pos = at(source, (pair.key as Node | null)?.range?.[0] ?? 0);
      const earlier = first.get(key);
      if (key === '__proto__') {
        // toJS would turn it into the object's prototype: the entry would vanish without a word.
        issues.push({
          ...pos,
          path: [...path, key],
          message: 'reserved key; "__proto__" cannot be used as a name',
        });
      } else if (earlier) {
        issues.push({
          ...pos,
          path: [...path, key],
          message: `duplicate key (first defined at ${earlier.line}:${earlier.col}); each key may appear only once`,
        });
      } else {
        first.set(key, pos);
      }
    }
  });
  return issues;
}

interface Located {
  /** The key node of the deepest pair reached (null at the top level or in a list). */
  key: Node | null;
  /** The value node reached. */
  value: Node | null;
  /** True when the whole path was found. */
  complete: boolean;
}

function deref(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

function locate(source: YamlSource, path: KeyPath): Located {
  let value: unknown = source.doc.contents;
  let key: Node | null = null;
  for (const segment of path) {
    const node = deref(source, value);
    if (isMap(node)) {
      // Like toJS, the last of duplicate keys wins, so it is the one the value came from.
      const pair = node.items.findLast((p) => keyText(p.key) === String(segment));
      if (!pair) return { key, value: node as Node, complete: false };
      key = (pair.key as Node | null) ?? null;
      value = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      key = null;
      value = node.items[segment];
    } else {
      return { key, value: (node as Node | null) ?? null, complete: false };
    }
  }
  return { key, value: (value as Node | null) ?? null, complete: true };
}

function start(source: YamlSource, node: Node | null): Position | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : at(source, offset);
}

function isEmptyScalar(node: Node | null): boolean {
  return isScalar(node) && node.value === null && (node.source === '' || node.source === undefined);
}

const TOP: Position = { line: 1, col: 1 };

/** Where a value is wrong: the value itself, or its key when the value is empty. */
export function valuePosition(source: YamlSource, path: KeyPath): Position {
  const found = locate(source, path);
  if (!found.complete) return missingPosition(source, path);
  if (found.value && !isEmptyScalar(found.value)) return start(source, found.value) ?? TOP;
  return start(source, found.key) ?? TOP;
}

/** Where a key is wrong (unknown, badly named): the key itself. */
export function keyPosition(source: YamlSource, path: KeyPath): Position {
  const found = locate(source, path);
  if (!found.complete) return missingPosition(source, path);
  return start(source, found.key) ?? start(source, found.value) ?? TOP;
}

/** Where a missing key belongs: the key of the map that lacks it. */
export function missingPosition(source: YamlSource, path: KeyPath): Position {
  for (let n = path.length - 1; n >= 0; n--) {
    const found = locate(source, path.slice(0, n));
    if (found.complete) return start(source, found.key) ?? start(source, found.value) ?? TOP;
  }
  return TOP;
}
