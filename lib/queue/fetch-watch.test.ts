import { describe, expect, it } from 'vitest';
import { createFetchWatch } from './fetch-watch';

const free = (at: number, headJobId: string | undefined) => ({ at, canFetch: true, headJobId });

describe('fetch watch: a worker that no longer takes jobs while it could', () => {
  it('reports a stall once, when the same job stayed at the head for the whole period with a slot free', () => {
    const watch = createFetchWatch(30_000);
    expect(watch.observe(free(0, 'run-2'))).toBeUndefined();
    expect(watch.observe(free(25_000, 'run-2'))).toBeUndefined();
    expect(watch.observe(free(30_000, 'run-2'))).toEqual({ jobId: 'run-2', waitedMs: 30_000 });
    expect(watch.stalledSince()).toBe(30_000);
    expect(watch.observe(free(35_000, 'run-2'))).toBeUndefined();
    expect(watch.stalledSince()).toBe(30_000);
  });

  it('a moving head is a queue being worked: the wait starts over with each new head', () => {
    const watch = createFetchWatch(30_000);
    watch.observe(free(0, 'run-1'));
    watch.observe(free(20_000, 'run-2'));
    expect(watch.observe(free(45_000, 'run-2'))).toBeUndefined();
    expect(watch.observe(free(50_000, 'run-2'))).toEqual({ jobId: 'run-2', waitedMs: 30_000 });
  });

  it('no free slot, no Redis or an empty queue: nothing is expected of the worker, the wait starts over', () => {
    const watch = createFetchWatch(30_000);
    watch.observe(free(0, 'run-2'));
    watch.observe({ at: 10_000, canFetch: false, headJobId: 'run-2' });
    expect(watch.observe(free(35_000, 'run-2'))).toBeUndefined();
    watch.observe(free(40_000, undefined));
    expect(watch.observe(free(65_000, 'run-2'))).toBeUndefined();
    expect(watch.observe(free(95_000, 'run-2'))).toEqual({ jobId: 'run-2', waitedMs: 30_000 });
  });

  it('a job taken by this worker ends the stall and restarts the wait', () => {
    const watch = createFetchWatch(30_000);
    watch.observe(free(0, 'run-2'));
    watch.observe(free(30_000, 'run-2'));
    expect(watch.fetched()).toBe(true);
    expect(watch.stalledSince()).toBeUndefined();
    expect(watch.fetched()).toBe(false);
    expect(watch.observe(free(31_000, 'run-2'))).toBeUndefined();
    expect(watch.observe(free(60_000, 'run-2'))).toBeUndefined();
    expect(watch.observe(free(61_000, 'run-2'))).toEqual({ jobId: 'run-2', waitedMs: 30_000 });
  });
});
