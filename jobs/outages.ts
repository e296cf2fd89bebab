import { isDatabaseUnavailable } from '@/lib/db-pool';
import { runErrorOf, type Dependency } from '@/lib/errors/error-codes';
import { log } from './log';

export type { Dependency };

/**
 * One log line when a dependency becomes unavailable and one when it is back, however many
 * reconnects, retries and failed statements happen in between (a 5 s Redis outage used to write
 * 247 lines). Whoever notices reports: connection listeners, reconcilers, the run processor.
 */
export function createOutages(write: (line: string) => void = log) {
  const since = new Map<Dependency, number>();
  return {
    down(dependency: Dependency, error: unknown): void {
      if (since.has(dependency)) return;
      since.set(dependency, Date.now());
      write(`${dependency} unavailable: ${error instanceof Error ? error.message : String(error)}`);
    },
    up(dependency: Dependency): void {
      const from = since.get(dependency);
      if (from === undefined) return;
      since.delete(dependency);
      write(`${dependency} available again after ${((Date.now() - from) / 1000).toFixed(1)} s`);
    },
    isDown: (dependency: Dependency): boolean => since.has(dependency),
  };
}

export type Outages = ReturnType<typeof createOutages>;

/** The dependency an error says is unavailable (a run's transient failure, a reconciler's query), if any. */
export function unavailableDependency(error: unknown): Dependency | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    // The vocabulary's word first: a lost LDAP connection's message may read like a database's.
    const unavailable = typeof code === 'string' ? runErrorOf(code)?.unavailable : undefined;
    if (unavailable) return unavailable;
    if (isDatabaseUnavailable(e)) return 'PostgreSQL';
  }
  return undefined;
}
