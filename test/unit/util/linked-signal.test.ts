import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedSignal } from '../../../src/util/linked-signal.js';

describe('linkedSignal', () => {
  it('aborts with the reason of whichever source aborts first', () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal } = linkedSignal([a.signal, undefined, b.signal]);
    expect(signal.aborted).toBe(false);
    b.abort(new Error('closing'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('closing');
    a.abort(new Error('later'));
    expect((signal.reason as Error).message).toBe('closing');
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('gone');
    expect(linkedSignal([a.signal]).signal.reason).toBe('gone');
  });

  it('leaves no listener on a long-lived source once disposed, however many runs link to it', () => {
    const closing = new AbortController();
    for (let i = 0; i < 50; i++) {
      const caller = new AbortController();
      const linked = linkedSignal([caller.signal, closing.signal]);
      expect(getEventListeners(closing.signal, 'abort')).toHaveLength(1);
      linked.dispose();
      expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    }
    expect(getEventListeners(closing.signal, 'abort')).toHaveLength(0);
  });

  it('an aborted link lets go of its other sources too', () => {
    const a = new AbortController();
    const b = new AbortController();
    linkedSignal([a.signal, b.signal]);
    a.abort();
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
  });
});
