// What a user's fields are called on every page (run changes, the user's page, the job's attribute
// mapping). Browser-safe: no imports. The order is the order changes are listed in.
export const USER_FIELD_LABELS = {
  username: 'Username',
  givenName: 'Given name',
  surname: 'Surname',
  displayName: 'Display name',
  email: 'Email',
  employeeNumber: 'Employee number',
  ldapExternalId: 'LDAP external id',
  ldapDn: 'LDAP DN',
  state: 'State',
  source: 'Source',
} as const satisfies Record<string, string>;

/** The label of a user field, or the field's own name for one this list does not know. */
export function userFieldLabel(field: string): string {
  return (USER_FIELD_LABELS as Record<string, string>)[field] ?? field;
}
