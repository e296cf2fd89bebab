import type { AccountRole } from '@/lib/auth/roles';

export type NavItem = { href: string; label: string };
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
    ],
  },
];

/** The vendor's Operator UI keeps scheduled jobs under its ADMIN tab. */
export const OPERATOR_NAV: NavSection[] = [
  {
    label: 'ADMIN',
    items: [
      { href: '/operator', label: 'Home' },
      { href: '/operator/scheduled-jobs', label: 'Scheduled jobs' },
    ],
  },
  { label: 'Users', items: [{ href: '/operator/users', label: 'Users' }] },
];

/** The nav entry a path belongs to: the longest matching prefix wins. */
export function activeHref(pathname: string, sections: NavSection[]): string | null {
  let best: string | null = null;
  for (const item of sections.flatMap((s) => s.items)) {
    const matches = pathname === item.href || pathname.startsWith(`${item.href}/`);
    if (matches && (best === null || item.href.length > best.length)) best = item.href;
  }
  return best;
}
