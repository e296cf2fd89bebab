// A worker whose fetch loop stopped (a Redis client promise that never settles: issue 17) holds no
// run and takes none, while its heartbeat still says it is alive. Seen from the worker itself: the
// job at the head of the queue stays the same while this worker had a free slot and Redis answered,
// for longer than a healthy fetch takes (a blocking read wakes at once, and gives up within seconds).

/** A job still at the head after this long, with a slot free all along, means the fetch loop is stuck. */
export const FETCH_STALL_AFTER_MS = 30_000;

export type FetchWatchSample = {
  at: number;
  /** Redis answered, the worker is not shutting down and has a free slot. */
  canFetch: boolean;
  /** The job the next fetch takes (the oldest waiting), if any. */
  headJobId: string | undefined;
};

export type FetchStall = { jobId: string; waitedMs: number };

export function createFetchWatch(stallAfterMs: number = FETCH_STALL_AFTER_MS) {
  let candidate: { jobId: string; since: number } | undefined;
  let stalledSince: number | undefined;
  return {
    /** This worker took a job: its fetch loop runs. True when that ends a stall. */
    fetched(): boolean {
      candidate = undefined;
      const wasStalled = stalledSince !== undefined;
      stalledSince = undefined;
      return wasStalled;
    },
    /** The stall, once, when the head job has waited too long while this worker could have taken it. */
    observe(sample: FetchWatchSample): FetchStall | undefined {
      // A worker with no free slot (or no Redis) is not expected to fetch: the wait starts over.
      if (!sample.canFetch || sample.headJobId === undefined) {
        candidate = undefined;
        return undefined;
      }
      if (candidate?.jobId !== sample.headJobId) {
        candidate = { jobId: sample.headJobId, since: sample.at };
        return undefined;
      }
      const waitedMs = sample.at - candidate.since;
      if (stalledSince !== undefined || waitedMs < stallAfterMs) return undefined;
      stalledSince = sample.at;
      return { jobId: candidate.jobId, waitedMs };
    },
    /** When the current stall was noticed (ms since the epoch), or undefined while the worker fetches. */
    stalledSince: (): number | undefined => stalledSince,
  };
}

export type FetchWatch = ReturnType<typeof createFetchWatch>;
