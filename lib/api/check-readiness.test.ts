import { describe, expect, it } from 'vitest';
import { describeWorkers } from './check-readiness';

const beat = (workerId: string, fetchStalledSince?: string) => ({ workerId, pid: 1, host: 'h', startedAt: 't', at: 't', fetchStalledSince });

describe('readiness: the worker check', () => {
  it('needs a heartbeat', () => {
    expect(describeWorkers([])).toEqual({ ok: false, message: 'No worker heartbeat: start the worker (npm run worker).' });
  });

  it('is ready while one worker takes jobs, and names a worker that is alive but does not fetch', () => {
    expect(describeWorkers([beat('a'), beat('b')])).toEqual({ ok: true, message: '2 worker(s) alive.' });
    const one = describeWorkers([beat('a'), beat('b', '2026-12-06T17:00:00.000Z')]);
    expect(one.ok).toBe(true);
    expect(one.message).toContain('1 of them not taking jobs although jobs wait: b (since 2026-12-06T17:00:00.000Z). Restart it.');
  });

  it('is not ready when every live worker has stopped fetching', () => {
    const all = describeWorkers([beat('a', 's1'), beat('b', 's2')]);
    expect(all).toEqual({ ok: false, message: '2 worker(s) alive, 2 of them not taking jobs although jobs wait: a (since s1), b (since s2). Restart them.' });
  });
});
