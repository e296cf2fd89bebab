// The IdM user fields an administrator maps LDAP attributes to (browser-safe: no LDAP imports).
import { USER_FIELD_LABELS } from '../users/user-field-labels';

export const MAPPING_FIELDS = ['username', 'givenName', 'surname', 'displayName', 'email', 'employeeNumber'] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

export const MAPPING_LABELS: Record<MappingField, string> = USER_FIELD_LABELS;
