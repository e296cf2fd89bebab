import { describe, expect, it } from 'vitest';
import { retryOnClosedConnection } from './redis-timeout';

describe('retryOnClosedConnection', () => {
  it('sends again what failed because its connection closed, and nothing else', async () => {
    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve('added'));
    expect(await retryOnClosedConnection(flaky, 3, 1)).toBe('added');
    expect(calls).toBe(3);

    calls = 0;
    const closed = () => (++calls, Promise.reject(new Error('Connection is closed.')));
    await expect(retryOnClosedConnection(closed, 3, 1)).rejects.toThrow('Connection is closed.');
    expect(calls).toBe(3);

    calls = 0;
    const refused = () => (++calls, Promise.reject(new Error('NOSCRIPT No matching script')));
    await expect(retryOnClosedConnection(refused, 3, 1)).rejects.toThrow('NOSCRIPT');
    expect(calls).toBe(1);
  });
});
