import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { warnOnRedisErrors } from './connection';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('warnOnRedisErrors', () => {
  it('says a Redis outage once a minute, in one line, and keeps the queue from printing each reconnect', () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T12:00:00Z') });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const queue = new EventEmitter();
    warnOnRedisErrors(queue, 'batch-jobs queue');
    // A reconnect every 2 s for a minute: the first error and the one a minute later.
    for (let i = 0; i <= 30; i++) {
      queue.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      vi.advanceTimersByTime(2_000);
    }
    expect(warn.mock.calls).toEqual([
      ['batch-jobs queue: Redis error (connect ECONNREFUSED 127.0.0.1:6379); it waits for Redis to come back'],
      ['batch-jobs queue: Redis error (connect ECONNREFUSED 127.0.0.1:6379); it waits for Redis to come back'],
    ]);
  });
});
