import { NOTHING_CARRIED, type CarriedCounters } from './page-sql/count-pages';
import type { PageClassification } from './page-plan';

// Two pages in flight: while page n writes on one database connection, page n+1 is planned and
// written on another, so PostgreSQL works on both cores. Pages still commit in directory order,
// and page n+1 commits only once page n is committed *and reported* (the run's progress call
// returned): a run stopped at a report (an error, a cancel, a worker parking the run) rolls the
// page in flight back, so "pages_applied" is always exactly the pages reported, the resume point.
//
// Waiting in JavaScript for another page must never close a cycle with a database lock wait,
// which PostgreSQL could not see: a page whose users or usernames meet those of the page in
// flight before it waits for that page to finish before its own first write (and plans again).
// A cycle through a third party's transaction is cut by the connections' lock_timeout.

/** What a page writes: user ids it updates and username keys it creates or takes. */
export function pageKeys(plan: PageClassification): Set<string> {
  const keys = new Set<string>();
  for (const { person, user } of plan.candidates) {
    keys.add(`id:${user.id}`);
    keys.add(`name:${person.usernameKey}`);
    keys.add(`name:${user.usernameKey}`);
  }
  for (const person of plan.creates) keys.add(`name:${person.usernameKey}`);
  return keys;
}

export function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const key of small) if (large.has(key)) return true;
  return false;
}

/** Thrown into a page whose predecessor failed or at which the run stopped: it rolls back and is not retried. */
export class PageRolledBackError extends Error {
  constructor(page: number, why: string, options?: { cause?: unknown }) {
    super(`Page ${page} was rolled back: ${why}.`, options);
    this.name = 'PageRolledBackError';
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** One page's place in the pipeline, as the page after it sees it. */
export class PageTicket {
  private readonly keysSet = deferred<ReadonlySet<string>>();
  private readonly commit = deferred<CarriedCounters>();
  private readonly report = deferred<void>();

  constructor(readonly page: number) {}

  /** The page planned: these are the users and usernames it is about to write. */
  planned(keys: ReadonlySet<string>): void {
    this.keysSet.resolve(keys);
  }

  /** The page committed, leaving `carried` counters to the next page (no error), or will never commit. */
  settled(error?: unknown, carried: CarriedCounters | null = null): void {
    this.keysSet.resolve(new Set());
    if (error === undefined) this.commit.resolve(carried ?? NOTHING_CARRIED);
    else this.commit.reject(error);
  }

  /** The run reported the page and goes on (no reason), or stops here (the page after it rolls back). */
  reported(stopReason?: string): void {
    if (stopReason === undefined) this.report.resolve();
    else this.report.reject(new Error(stopReason));
  }

  /** Hooks for applyPage of the page after this one (`next` is that page's own ticket). */
  static hooks(previous: PageTicket | null, next: PageTicket) {
    return {
      beforeWrite: async (plan: PageClassification): Promise<boolean> => {
        const keys = pageKeys(plan);
        next.planned(keys);
        if (!previous || !overlaps(keys, await previous.keysSet.promise)) return false;
        await previous.commit.promise.catch(() => undefined);
        return true;
      },
      beforeCommit: async (): Promise<CarriedCounters> => {
        if (!previous) return NOTHING_CARRIED;
        let carried: CarriedCounters;
        try {
          carried = await previous.commit.promise;
        } catch (error) {
          throw new PageRolledBackError(next.page, 'the page before it could not be applied', { cause: error });
        }
        try {
          await previous.report.promise;
        } catch (error) {
          throw new PageRolledBackError(next.page, (error as Error).message, { cause: error });
        }
        return carried;
      },
    };
  }
}
