import { describe, expect, it } from 'vitest';
import { CappedBuffer } from '../../../src/transport/output-capture.js';
import { Semaphore } from '../../../src/transport/semaphore.js';
import { hostKeyAlgorithms } from '../../../src/transport/ssh-link.js';

describe('CappedBuffer', () => {
  it('keeps at most cap bytes, counts every byte, flags truncation', () => {
    const b = new CappedBuffer(5);
    b.push(Buffer.from('abc'));
    b.push(Buffer.from('defg'));
    b.push(Buffer.from('hij'));
    expect(b.text()).toBe('abcde');
    expect(b.seen).toBe(10);
    expect(b.truncated).toBe(true);
  });

  it('exactly at the cap is not truncated', () => {
    const b = new CappedBuffer(3);
    b.push(Buffer.from('abc'));
    expect(b.truncated).toBe(false);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const euro = Buffer.from('€');
    const b = new CappedBuffer(100);
    b.push(euro.subarray(0, 1));
    b.push(euro.subarray(1));
    expect(b.text()).toBe('€');
  });
});

describe('Semaphore', () => {
  it('never grants more than the limit and serves waiters in order', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const order: number[] = [];
    const p3 = s.acquire().then((r) => {
      order.push(3);
      return r;
    });
    const p4 = s.acquire().then((r) => {
      order.push(4);
      return r;
    });
    expect(s.inUse).toBe(2);
    expect(s.queued).toBe(2);
    r1();
    r1(); // double release must not free a second slot
    const r3 = await p3;
    expect(s.inUse).toBe(2);
    expect(s.queued).toBe(1);
    r2();
    const r4 = await p4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(s.inUse).toBe(0);
  });

  it('an aborted waiter leaves the queue', async () => {
    const s = new Semaphore(1);
    const r1 = await s.acquire();
    const ac = new AbortController();
    const p = s.acquire(ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(s.queued).toBe(0);
    r1();
    expect(s.inUse).toBe(0);
  });
});

describe('hostKeyAlgorithms', () => {
  it('asks for pinned types first, RSA as its SHA-2 signature algorithms', () => {
    const algos = hostKeyAlgorithms(['ssh-rsa']);
    expect(algos.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(algos).toContain('ssh-ed25519');
    expect(new Set(algos).size).toBe(algos.length);
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
  });
});
