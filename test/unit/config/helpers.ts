import { expect } from 'vitest';
import { InventoryError, parseInventory } from '../../../src/config/inventory.js';

/** Lines joined with "\n", so the line numbers in assertions can be counted in the test. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export const HOME = '/home/bot';

/** The InventoryError parseInventory throws for `text`; fails the test when it does not throw. */
export function inventoryError(text: string, file = 'inventory.yaml'): InventoryError {
  try {
    parseInventory(text, file, { homeDir: HOME });
  } catch (err) {
    expect(err).toBeInstanceOf(InventoryError);
    return err as InventoryError;
  }
  throw new Error('expected the inventory to be refused, but it loaded');
}

/** The message lines, one per problem. */
export function problems(text: string): string[] {
  return inventoryError(text).message.split('\n');
}
