import { expect } from 'vitest';
import type { GroupMembership, PolicyHost } from '../../../src/policy/policy.js';
import { PolicyError, parsePolicy } from '../../../src/policy/policy.js';

/** Lines joined with "\n", so the line numbers in assertions can be counted in the test. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The message lines of the PolicyError parsePolicy throws; fails the test when it does not throw. */
export function problems(text: string, options: Parameters<typeof parsePolicy>[2] = {}): string[] {
  try {
    parsePolicy(text, 'policy.yaml', options);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).message.split('\n');
  }
  throw new Error('expected the policy to be refused, but it loaded');
}

/** Fixed group members; records every lookup so tests can see what was asked. */
export class FakeMembership implements GroupMembership {
  readonly lookups: string[] = [];
  constructor(
    private readonly groups: Record<string, string[]>,
    private readonly failing: Record<string, string> = {},
  ) {}
  async usersOf(groupId: string): Promise<string[]> {
    this.lookups.push(groupId);
    const failure = this.failing[groupId];
    if (failure !== undefined) throw new Error(failure);
    return this.groups[groupId] ?? [];
  }
}

export function host(name: string, labels: Record<string, string> = {}, groups: string[] = []): PolicyHost {
  return { name, labels, groups };
}

export const PROD = host('web-1', { env: 'prod' }, ['web']);
export const STAGING = host('stage-1', { env: 'staging' }, ['web']);
