// A run's counters (batch_runs): what its pages read and changed, added up page by page.

export type RunCounters = {
  entriesRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  credentialsChanged: number;
  certificatesChanged: number;
  rolesWithdrawn: number;
};

export const ZERO_COUNTERS: RunCounters = {
  entriesRead: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  credentialsChanged: 0,
  certificatesChanged: 0,
  rolesWithdrawn: 0,
};

export function addCounters(a: RunCounters, b: RunCounters): RunCounters {
  const sum = { ...a };
  for (const key of Object.keys(sum) as (keyof RunCounters)[]) sum[key] += b[key];
  return sum;
}

export function countersFromRow(r: Record<string, unknown>): RunCounters & { pagesApplied: number } {
  return {
    pagesApplied: Number(r.pages_applied),
    entriesRead: Number(r.entries_read),
    created: Number(r.created),
    updated: Number(r.updated),
    unchanged: Number(r.unchanged),
    failed: Number(r.failed),
    credentialsChanged: Number(r.credentials_changed),
    certificatesChanged: Number(r.certificates_changed),
    rolesWithdrawn: Number(r.roles_withdrawn),
  };
}
