import type { AccountRole } from '@/lib/auth/roles';

export type NavItem = {
  href: string;
  label: string;
  /** Other path prefixes whose pages belong to this entry though they are not under its href. */
  owns?: string[];
};
export type NavSection = { label: string; items: NavItem[] };

/** The product's two faces. Paths are shared with the pages of later areas. */
export const FACES = {
  admin: { name: 'Identity Manager Admin', home: '/admin', role: 'ADMINISTRATOR' as AccountRole },
  operator: { name: 'Identity Manager Operator', home: '/operator', role: 'OPERATOR' as AccountRole },
} as const;

export type Face = keyof typeof FACES;

export const ADMIN_NAV: NavSection[] = [
  {
    label: 'Identity Manager Admin',
    items: [
      { href: '/admin', label: 'Home' },
      { href: '/admin/batch-synchronization', label: 'Batch Synchronization' },
      { href: '/admin/ldap-connection', label: 'LDAP connection' },
      { href: '/admin/audit-log', label: 'Audit log' },
      { href: '/admin/accounts', label: 'Application accounts' },
      { href: '/admin/api-tokens', label: 'API tokens' },
      { href: '/admin/notifications', label: 'Notifications' },
    ],
  },
];

// One group without a heading, as in the Admin face. The vendor's Operator UI files Scheduled jobs
// under a tab it calls "ADMIN"; here that heading read as if the operator were in Identity Manager
// Admin (the header names the face Identity Manager Operator, and an administrator sees "Open
// Identity Manager Admin" beside it), and three entries need no grouping. The pages keep the
// vendor's names. A job's page (/operator/jobs/…) and a run's page (/operator/runs/…) are not
// under /operator/scheduled-jobs but are opened from it: they belong to Scheduled jobs, not Home.
export const OPERATOR_NAV: NavSection[] = [
  {
    label: 'Identity Manager Operator',
    items: [
      { href: '/operator', label: 'Home' },
      { href: '/operator/scheduled-jobs', label: 'Scheduled jobs', owns: ['/operator/jobs', '/operator/runs'] },
      { href: '/operator/users', label: 'Users' },
    ],
  },
];

/**
 * The nav entry a path belongs to: the longest matching prefix (an entry's href or one it owns)
 * wins, so that Home, a prefix of every path, is marked only when nothing closer matches.
 */
export function activeHref(pathname: string, sections: NavSection[]): string | null {
  let best: { href: string; length: number } | null = null;
  for (const item of sections.flatMap((s) => s.items)) {
    for (const prefix of [item.href, ...(item.owns ?? [])]) {
      const matches = pathname === prefix || pathname.startsWith(`${prefix}/`);
      if (matches && (best === null || prefix.length > best.length)) best = { href: item.href, length: prefix.length };
    }
  }
  return best?.href ?? null;
}
