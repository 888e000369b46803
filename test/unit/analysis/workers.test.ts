import { describe, expect, it } from 'vitest';
import { allWorkers, poolWorkers } from '../../../src/analysis/workers.js';
import { baseFacts, pool, worker } from './helpers.js';

describe('allWorkers', () => {
  it('leaves out the workers of a master the inventory did not pick (fpm.config names another)', () => {
    const otherMaster = {
      ...worker(200, ''),
      role: 'fpm-master' as const,
      ppid: 1,
      pool: undefined,
      args: 'php-fpm: master process (/srv/other/php-fpm.conf)',
    };
    const facts = baseFacts({
      processes: [
        {
          ...worker(100, ''),
          role: 'fpm-master',
          ppid: 1,
          pool: undefined,
          args: 'php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)',
        },
        worker(101, 'www'),
        otherMaster,
        worker(201, 'www', { ppid: 200, stat: 'R' }),
      ],
    });
    expect(allWorkers(facts).map((w) => w.pid)).toEqual([101]);
  });

  it('keeps every worker when no master is known (nothing to tell them apart by)', () => {
    const facts = baseFacts({
      fpm: { masters: [], globals: [], pools: [], php: {} },
      processes: [worker(101, 'www'), worker(201, 'www', { ppid: 200 })],
    });
    expect(allWorkers(facts).map((w) => w.pid)).toEqual([101, 201]);
  });
});

describe('allWorkers with the diagnosed FPM stopped', () => {
  it('leaves out the workers of another running master (fpm.config names the stopped one)', () => {
    const otherMaster = {
      ...worker(200, ''),
      role: 'fpm-master' as const,
      ppid: 1,
      pool: undefined,
      args: 'php-fpm: master process (/srv/other/php-fpm.conf)',
    };
    const facts = baseFacts({
      fpm: { masters: [], globals: [], pools: [], php: {} },
      processes: [otherMaster, worker(201, 'www', { ppid: 200, stat: 'R' })],
    });
    expect(allWorkers(facts)).toEqual([]);
  });
});

describe('poolWorkers of a stopped FPM', () => {
  it('a pool read from a config no master runs has no workers of another master named alike', () => {
    const otherMaster = {
      ...worker(200, ''),
      role: 'fpm-master' as const,
      ppid: 1,
      pool: undefined,
      args: 'php-fpm: master process (/srv/other/php-fpm.conf)',
    };
    const stopped = pool('www', { masterPid: 0 });
    const facts = baseFacts({
      fpm: { masters: [], globals: [], pools: [stopped], php: {} },
      processes: [otherMaster, worker(201, 'www', { ppid: 200, stat: 'R' })],
    });
    expect(poolWorkers(facts, stopped).workers).toEqual([]);
  });
});
