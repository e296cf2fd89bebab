// The IdM user fields an administrator maps LDAP attributes to (browser-safe: no LDAP imports).

export const MAPPING_FIELDS = ['username', 'givenName', 'surname', 'displayName', 'email', 'employeeNumber'] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

export const MAPPING_LABELS: Record<MappingField, string> = {
  username: 'Username',
  givenName: 'Given name',
  surname: 'Surname',
  displayName: 'Display name',
  email: 'Email',
  employeeNumber: 'Employee number',
};
