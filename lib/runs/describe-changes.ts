import { z } from 'zod';
import { USER_FIELD_LABELS, userFieldLabel } from '../users/user-field-labels';
import { credentialTypeLabel, sourceLabel, stateWord } from '../labels';

// A run item's `changes` JSON (written by lib/sync/page-sql/write-page.ts) turned into what the run page
// and the CSV show: before -> after for the user, each credential and certificate, and the
// roles withdrawn. Parsed leniently: an item written by an older engine still displays.

const value = z.union([z.string(), z.number(), z.boolean(), z.null()]).optional();
const userSide = z.record(z.string(), value).nullable();
const changesSchema = z
  .object({
    user: z.object({ before: userSide, after: userSide }).optional(),
    credentials: z
      .array(
        z.object({
          id: z.number().optional(),
          type: z.string(),
          label: z.string().nullable().optional(),
          before: z.string(),
          after: z.string(),
          certificates: z
            .array(z.object({ serial: z.string(), before: z.string(), after: z.string(), revocationReason: z.string().nullable().optional() }))
            .default([]),
        }),
      )
      .optional(),
    rolesWithdrawn: z.array(z.object({ id: z.number().optional(), name: z.string() })).optional(),
    // A restore run's items (lib/restore/restore-sql.ts): roles granted again, and what cannot be undone.
    rolesGranted: z.array(z.object({ id: z.number().optional(), name: z.string() })).optional(),
    irreversible: z
      .object({
        certificatesRevoked: z
          .array(z.object({ serial: z.string(), credentialType: z.string(), credentialLabel: z.string().nullable().optional(), revocationReason: z.string().nullable().optional() }))
          .default([]),
        rolesDeleted: z.array(z.object({ name: z.string() })).default([]),
      })
      .optional(),
  })
  .passthrough();

export type FieldChange = { field: string; label: string; before: string | null; after: string | null };
export type CertificateChangeView = { serial: string; before: string; after: string; revocationReason: string | null };
export type CredentialChangeView = { type: string; typeLabel: string; label: string | null; before: string; after: string; certificates: CertificateChangeView[] };

export type ChangesView = {
  /** A local Identity Manager user the run linked to its directory entry (found by username): source before -> after. */
  link: { before: string; after: string } | null;
  /** Every other user field that changed (the source of a link is in `link`). */
  user: FieldChange[];
  credentials: CredentialChangeView[];
  rolesWithdrawn: string[];
  /** Of a restore: roles granted again. */
  rolesGranted: string[];
  /** Of a restore: what stays as the restored run left it, one line each (revoked certificates with their credential, deleted roles). */
  irreversible: string[];
};

export const LINKED_TO_DIRECTORY = 'Linked to the directory entry';

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function describeChanges(raw: unknown): ChangesView {
  const view: ChangesView = { link: null, user: [], credentials: [], rolesWithdrawn: [], rolesGranted: [], irreversible: [] };
  const parsed = changesSchema.safeParse(raw ?? {});
  if (!parsed.success) return view;
  const { user, credentials, rolesWithdrawn, rolesGranted, irreversible } = parsed.data;
  if (user) {
    const before = user.before ?? {};
    const after = user.after ?? {};
    const fields = Object.keys(USER_FIELD_LABELS).filter((f) => f in after || f in before);
    for (const field of fields) {
      const b = text(before[field]);
      const a = text(after[field]);
      if (b === a) continue;
      // The engine records a local user it linked to a directory entry as source LOCAL -> LDAP.
      if (field === 'source' && b === 'LOCAL' && a === 'LDAP') {
        view.link = { before: b, after: a };
        continue;
      }
      view.user.push({ field, label: userFieldLabel(field), before: b, after: a });
    }
  }
  for (const c of credentials ?? []) {
    view.credentials.push({
      type: c.type,
      typeLabel: credentialTypeLabel(c.type),
      label: c.label ?? null,
      before: c.before,
      after: c.after,
      certificates: c.certificates.map((ce) => ({ serial: ce.serial, before: ce.before, after: ce.after, revocationReason: ce.revocationReason ?? null })),
    });
  }
  view.rolesWithdrawn = (rolesWithdrawn ?? []).map((r) => r.name);
  view.rolesGranted = (rolesGranted ?? []).map((r) => r.name);
  for (const c of irreversible?.certificatesRevoked ?? []) {
    const credential = `${credentialTypeLabel(c.credentialType)}${c.credentialLabel ? ` ${c.credentialLabel}` : ''}`;
    view.irreversible.push(`Certificate ${c.serial} of ${credential} stays revoked${c.revocationReason ? ` (${c.revocationReason})` : ''}: re-issue the credential`);
  }
  for (const r of irreversible?.rolesDeleted ?? []) view.irreversible.push(`Role ${r.name} no longer exists`);
  return view;
}

/** One line per change, for the CSV export and for screen readers. */
export function changesAsText(view: ChangesView): { user: string; credentials: string; certificates: string; rolesWithdrawn: string; rolesGranted: string; irreversible: string } {
  const arrow = (b: string | null, a: string | null) => `${b ?? '(none)'} -> ${a ?? '(none)'}`;
  const link = view.link ? [`${LINKED_TO_DIRECTORY}: source ${arrow(sourceLabel(view.link.before), sourceLabel(view.link.after))}`] : [];
  return {
    user: [...link, ...view.user.map((f) => `${f.label}: ${f.field === 'state' ? arrow(f.before && stateWord(f.before), f.after && stateWord(f.after)) : arrow(f.before, f.after)}`)].join('; '),
    credentials: view.credentials
      .filter((c) => c.before !== c.after)
      .map((c) => `${c.typeLabel}${c.label ? ` ${c.label}` : ''}: ${stateWord(c.before)} -> ${stateWord(c.after)}`)
      .join('; '),
    certificates: view.credentials
      .flatMap((c) => c.certificates.map((ce) => `${ce.serial}: ${stateWord(ce.before)} -> ${stateWord(ce.after)}`))
      .join('; '),
    rolesWithdrawn: view.rolesWithdrawn.join('; '),
    rolesGranted: view.rolesGranted.join('; '),
    irreversible: view.irreversible.join('; '),
  };
}
