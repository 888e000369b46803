/**
 * Loading the inventory (DESIGN.md "Inventory"): YAML -> schema -> references -> merged hosts.
 * Every problem found is reported at once, with file:line:col, so one edit round fixes them all.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { InventoryError, InventoryNotFoundError } from './errors.js';
import { inventorySchema } from './inventory-schema.js';
import { checkReferences } from './references.js';
import { resolveInventory } from './resolve.js';
import type { Inventory } from './types.js';
import { parseYaml } from './yaml-source.js';
import { fromZodIssues } from './zod-issues.js';

export { InventoryError, InventoryNotFoundError, UnknownHostError } from './errors.js';
export type { InventoryIssue, KeyPath } from './issues.js';
export { expandHome } from './resolve.js';
export { resolveTargets } from './targets.js';
export type { Inventory, ResolvedHost, ResolvedJump, ResolvedSsh, SelfAddress } from './types.js';

export interface ParseOptions {
  /** What "~/" in local paths expands to; the current user's home by default. */
  homeDir?: string;
}

// An inventory for thousands of hosts is well below this; anything larger is a wrong path.
const MAX_BYTES = 4 * 1024 * 1024;

export const INVENTORY_ENV = 'FPM_MEDIC_INVENTORY';

/** `fileName` is only used in messages (and Inventory.file). */
export function parseInventory(text: string, fileName: string, options: ParseOptions = {}): Inventory {
  const parsed = parseYaml(text);
  if (!parsed.ok) throw new InventoryError(fileName, parsed.issues);
  const { source, data } = parsed;
  if (data === null || data === undefined) {
    throw new InventoryError(fileName, [
      { line: 1, col: 1, path: [], message: 'the inventory is empty; expected a map with hosts' },
    ]);
  }
  const result = inventorySchema.safeParse(data);
  const issues = [
    ...parsed.issues,
    ...(result.success ? [] : fromZodIssues(source, data, result.error.issues)),
    ...checkReferences(source, data),
  ];
  if (!result.success || issues.length > 0) throw new InventoryError(fileName, issues);

  const resolved = resolveInventory(fileName, result.data, source, options.homeDir ?? homedir());
  if (!resolved.ok) throw new InventoryError(fileName, resolved.issues);
  return resolved.inventory;
}

export async function loadInventory(path: string, options: ParseOptions = {}): Promise<Inventory> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new InventoryNotFoundError(path, `inventory ${path} is a directory, not a file`);
    if (info.size > MAX_BYTES) {
      throw new InventoryNotFoundError(
        path,
        `inventory ${path} is ${info.size} bytes; the limit is ${MAX_BYTES}`,
        {
          code: 'INVENTORY_INVALID',
        },
      );
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof InventoryError) throw err;
    throw new InventoryNotFoundError(path, readFailure(path, err), { cause: err });
  }
  return parseInventory(text, path, options);
}

function readFailure(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `inventory file not found: ${path}`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read inventory ${path}: permission denied`;
  return `cannot read inventory ${path}: ${(err as Error).message}`;
}

export interface InventoryPath {
  path: string;
  /** Which setting supplied it, for messages such as "(from FPM_MEDIC_INVENTORY)". */
  source: '--inventory' | typeof INVENTORY_ENV;
}

/** The --inventory flag wins over the environment; an empty variable counts as unset. */
export function inventoryPathFrom(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): InventoryPath {
  if (flag !== undefined) {
    if (flag.trim() === '') {
      throw new InventoryNotFoundError('', '--inventory was given an empty path', {
        code: 'INVENTORY_NOT_SET',
      });
    }
    return { path: flag, source: '--inventory' };
  }
  const fromEnv = env[INVENTORY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { path: fromEnv, source: INVENTORY_ENV };
  throw new InventoryNotFoundError(
    '',
    `no inventory: pass --inventory PATH or set ${INVENTORY_ENV} (see examples/inventory.yaml)`,
    { code: 'INVENTORY_NOT_SET' },
  );
}
