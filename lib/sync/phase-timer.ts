/**
 * Time spent per phase of a run (LDAP page fetch, plan, apply ...), summed over pages. Printed by
 * the sync CLI with --profile so that a slow run can be explained without a profiler.
 */
export class PhaseTimer {
  private readonly totals = new Map<string, { ms: number; calls: number }>();

  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - started);
    }
  }

  add(phase: string, ms: number): void {
    const t = this.totals.get(phase) ?? { ms: 0, calls: 0 };
    t.ms += ms;
    t.calls++;
    this.totals.set(phase, t);
  }

  report(): Record<string, { ms: number; calls: number }> {
    return Object.fromEntries([...this.totals].map(([k, v]) => [k, { ms: Math.round(v.ms), calls: v.calls }]));
  }
}
