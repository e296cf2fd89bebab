import type { FilterOverlapNotice } from '@/lib/batch-jobs/filter-overlap-notice';

/** What Save returns to the LDAP settings form. Never the bind password. */
export type SaveLdapSettingsState = {
  status: 'idle' | 'saved' | 'invalid' | 'conflict';
  message?: string;
  fieldErrors?: Record<string, string>;
  version: number;
  hasBindPassword: boolean;
};

export type TestedEntry = { dn: string; username: string | null; displayName: string | null; email: string | null; problem: string | null };

/** What Test connection returns: the count and the first ten entries and the two jobs' overlap, or the directory's error. */
export type TestConnectionState = {
  status: 'idle' | 'ok' | 'failed' | 'invalid';
  message?: string;
  fieldErrors?: Record<string, string>;
  url?: string;
  filter?: string;
  matched?: number;
  entries?: TestedEntry[];
  overlap?: FilterOverlapNotice;
};
