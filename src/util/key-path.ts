/** Where in a parsed document something is: keys and list indexes from the root. */
export type KeyPath = readonly (string | number)[];

/** `hosts.web-1.selfAddresses[0]`: how a path reads in messages. */
export function pathText(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** The value at `path`, or undefined where the path leads nowhere (own keys only). */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
