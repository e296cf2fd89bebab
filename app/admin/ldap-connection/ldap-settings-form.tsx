'use client';

import { startTransition, useActionState, useEffect, useRef, useState, type FormEvent } from 'react';
import { BIND_NAME_HELP } from '@/lib/ldap/bind-name';
import type { LdapSettingsView } from '@/lib/ldap-settings/read-ldap-settings';
import { changedEndpointParts, RETYPE_BIND_PASSWORD_HINT, retypeBindPasswordMessage } from '@/lib/ldap-settings/stored-password-endpoint';
import { saveLdapSettingsAction, testLdapConnectionAction } from './actions';
import { fieldDescribedBy, FormField, INPUT_CLASS as inputClass } from '@/components/form-field';
import { DataTable } from '@/components/data-table';
import { FilterOverlapNotice } from '@/components/filter-overlap-notice';
import type { SaveLdapSettingsState, TestConnectionState } from './form-state';

type Settings = Omit<LdapSettingsView, 'updatedAt' | 'updatedBy'>;
type Scope = { value: string; label: string };



/** The directory connection: Save stores it, Test connection tries it as typed. */
export function LdapSettingsForm({ settings, scopes }: { settings: Settings; scopes: Scope[] }) {
  const [saveState, saveAction, saving] = useActionState(saveLdapSettingsAction, {
    status: 'idle',
    version: settings.version,
    hasBindPassword: settings.hasBindPassword,
  } satisfies SaveLdapSettingsState);
  const [testState, testAction, testing] = useActionState(testLdapConnectionAction, { status: 'idle' } satisfies TestConnectionState);
  const [values, setValues] = useState({
    urls: settings.urls.join('\n'),
    startTls: settings.startTls,
    tlsRejectUnauthorized: settings.tlsRejectUnauthorized,
    tlsCaCertificate: settings.tlsCaCertificate ?? '',
    bindDn: settings.bindDn,
    baseDn: settings.baseDn,
    scope: settings.scope as string,
    connectTimeoutMs: String(settings.connectTimeoutMs),
    operationTimeoutMs: String(settings.operationTimeoutMs),
  });
  const [lastIntent, setLastIntent] = useState<'save' | 'test' | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const saveMessageRef = useRef<HTMLDivElement>(null);
  // Uncontrolled: the typed password lives only in the input, never in React state.
  const passwordRef = useRef<HTMLInputElement>(null);
  const text = (name: keyof typeof values) => ({
    value: values[name] as string,
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value })),
  });
  const check = (name: 'startTls' | 'tlsRejectUnauthorized') => ({
    checked: values[name],
    onChange: (e: { target: { checked: boolean } }) => setValues((v) => ({ ...v, [name]: e.target.checked })),
  });
  const errors = (lastIntent === 'test' ? testState.fieldErrors : saveState.fieldErrors) ?? {};
  const invalid = (name: string) => (errors[name] ? true : undefined);

  // The typed password is never kept after a save: the field is write-only.
  useEffect(() => {
    if (saveState.status === 'saved' && passwordRef.current) passwordRef.current.value = '';
    if (saveState.status === 'idle') return;
    const firstInvalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (saveState.status === 'invalid' && firstInvalid) firstInvalid.focus();
    else saveMessageRef.current?.focus();
  }, [saveState]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const intent = submitter?.value === 'test' ? 'test' : 'save';
    setLastIntent(intent);
    const data = new FormData(event.currentTarget);
    startTransition(() => (intent === 'test' ? testAction(data) : saveAction(data)));
  };

  const hasPassword = saveState.hasBindPassword;
  // Said before the administrator presses anything: the stored password does not follow a new endpoint.
  const endpointChanges = hasPassword
    ? changedEndpointParts(settings, {
        urls: values.urls.split(/[\s,]+/).filter(Boolean),
        startTls: values.startTls,
        tlsRejectUnauthorized: values.tlsRejectUnauthorized,
        tlsCaCertificate: values.tlsCaCertificate,
        bindDn: values.bindDn,
      })
    : [];
  const passwordHelp = !hasPassword
    ? 'No password is stored yet.'
    : endpointChanges.length
      ? retypeBindPasswordMessage(endpointChanges)
      : `A password is stored. Leave empty to keep it; it is never shown. ${RETYPE_BIND_PASSWORD_HINT}`;
  return (
    <form ref={formRef} onSubmit={submit} noValidate className="space-y-6">
      <input type="hidden" name="version" value={saveState.version} />
      <section aria-labelledby="server-heading" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6">
        <h2 id="server-heading" className="text-base font-semibold text-slate-900">
          Server
        </h2>
        <div className="mt-4 space-y-2">
          <FormField id="urls" label="URLs" help="One per line, tried in order until one answers, e.g. ldaps://ldap1.example.com:636." error={errors.urls}>
            <textarea id="urls" name="urls" rows={2} spellCheck={false} aria-invalid={invalid('urls')} aria-describedby={fieldDescribedBy('urls', true)} className={`${inputClass} font-mono`} {...text('urls')} />
          </FormField>
          <div className="grid gap-x-6 gap-y-2 sm:grid-cols-2">
            <div className="flex items-start gap-3">
              <input id="startTls" name="startTls" type="checkbox" aria-describedby="startTls-help" className="mt-0.5 h-5 w-5 accent-brand-700" {...check('startTls')} />
              <div>
                <label htmlFor="startTls" className="text-sm font-medium text-slate-800">
                  Use StartTLS
                </label>
                <p id="startTls-help" className="text-xs text-slate-600">
                  Upgrades ldap:// connections to TLS before binding (ldaps:// is TLS already).
                </p>
              </div>
            </div>
            <div className="flex items-start gap-3">
              <input id="tlsRejectUnauthorized" name="tlsRejectUnauthorized" type="checkbox" aria-describedby="tlsRejectUnauthorized-help" className="mt-0.5 h-5 w-5 accent-brand-700" {...check('tlsRejectUnauthorized')} />
              <div>
                <label htmlFor="tlsRejectUnauthorized" className="text-sm font-medium text-slate-800">
                  Verify the server certificate
                </label>
                <p id="tlsRejectUnauthorized-help" className="text-xs text-slate-600">
                  Turn off only for a test directory: without it, anyone in between can read the bind password.
                </p>
              </div>
            </div>
          </div>
          <FormField id="tlsCaCertificate" label="CA certificate (PEM)" help="The CA that issued the directory's certificate, when it is not a public one. Empty: the system's trusted CAs." error={errors.tlsCaCertificate}>
            <textarea
              id="tlsCaCertificate"
              name="tlsCaCertificate"
              rows={3}
              spellCheck={false}
              placeholder="-----BEGIN CERTIFICATE-----"
              aria-invalid={invalid('tlsCaCertificate')}
              aria-describedby={fieldDescribedBy('tlsCaCertificate', true)}
              className={`${inputClass} font-mono`}
              {...text('tlsCaCertificate')}
            />
          </FormField>
          <div className="grid gap-x-4 sm:grid-cols-2">
            <FormField id="connectTimeoutMs" label="Connect timeout (ms)" error={errors.connectTimeoutMs}>
              <input id="connectTimeoutMs" name="connectTimeoutMs" inputMode="numeric" aria-invalid={invalid('connectTimeoutMs')} aria-describedby={fieldDescribedBy('connectTimeoutMs', false)} className={inputClass} {...text('connectTimeoutMs')} />
            </FormField>
            <FormField id="operationTimeoutMs" label="Operation timeout (ms)" error={errors.operationTimeoutMs}>
              <input id="operationTimeoutMs" name="operationTimeoutMs" inputMode="numeric" aria-invalid={invalid('operationTimeoutMs')} aria-describedby={fieldDescribedBy('operationTimeoutMs', false)} className={inputClass} {...text('operationTimeoutMs')} />
            </FormField>
          </div>
        </div>
      </section>

      <section aria-labelledby="bind-heading" className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6">
        <h2 id="bind-heading" className="text-base font-semibold text-slate-900">
          Bind account and search base
        </h2>
        <div className="mt-4 grid gap-x-4 sm:grid-cols-2">
          <FormField id="bindDn" label="Bind DN or user name" help={BIND_NAME_HELP} error={errors.bindDn}>
            <input id="bindDn" name="bindDn" autoComplete="off" spellCheck={false} aria-invalid={invalid('bindDn')} aria-describedby={fieldDescribedBy('bindDn', true)} className={`${inputClass} font-mono`} {...text('bindDn')} />
          </FormField>
          <FormField
            id="bindPassword"
            label="Bind password"
            help={passwordHelp}
            error={errors.bindPassword}
          >
            <input
              id="bindPassword"
              name="bindPassword"
              type="password"
              autoComplete="new-password"
              placeholder={hasPassword ? '•••••••• (stored)' : ''}
              aria-invalid={invalid('bindPassword')}
              aria-describedby={fieldDescribedBy('bindPassword', true)}
              className={inputClass}
              ref={passwordRef}
            />
          </FormField>
          <FormField id="baseDn" label="Base DN" error={errors.baseDn}>
            <input id="baseDn" name="baseDn" autoComplete="off" spellCheck={false} aria-invalid={invalid('baseDn')} aria-describedby={fieldDescribedBy('baseDn', false)} className={`${inputClass} font-mono`} {...text('baseDn')} />
          </FormField>
          <FormField id="scope" label="Search scope" error={errors.scope}>
            <select id="scope" name="scope" aria-invalid={invalid('scope')} aria-describedby={fieldDescribedBy('scope', false)} className={inputClass} {...text('scope')}>
              {scopes.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </FormField>
        </div>
      </section>

      <div className="flex flex-wrap items-start gap-3">
        <button
          type="submit"
          name="intent"
          value="save"
          disabled={saving}
          className="rounded-md bg-brand-700 px-5 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-800 disabled:cursor-wait disabled:opacity-70"
        >
          Save
        </button>
        <button
          type="submit"
          name="intent"
          value="test"
          disabled={testing}
          className="rounded-md border border-slate-300 bg-white px-5 py-2.5 text-sm font-semibold text-slate-800 shadow-sm hover:bg-slate-50 disabled:cursor-wait disabled:opacity-70"
        >
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <div
          ref={saveMessageRef}
          tabIndex={-1}
          role={saveState.status === 'saved' ? 'status' : 'alert'}
          data-testid="save-message"
          className={`min-h-[2.75rem] flex-1 rounded-md border px-3 py-2 text-sm ${
            saveState.status === 'saved' ? 'border-emerald-200 bg-emerald-50 text-emerald-900' : saveState.status === 'idle' ? 'border-transparent' : 'border-red-200 bg-red-50 text-red-900'
          }`}
        >
          {saving ? 'Saving…' : saveState.message}
        </div>
      </div>

      <section aria-labelledby="test-heading" aria-live="polite" aria-busy={testing} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6" data-testid="test-result">
        <h2 id="test-heading" className="text-base font-semibold text-slate-900">
          Test connection
        </h2>
        {testState.status === 'idle' && !testing && (
          <p className="mt-2 text-sm text-slate-600">
            Binds with the settings as typed above (an empty password field uses the stored one) and counts the entries that the filter of
            &quot;Synchronize inactive LDAP Users to Identity Manager&quot; matches, and the people whom the filters of both batch jobs match (they
            would fail in both jobs). Nothing is saved or synchronized.
          </p>
        )}
        {testing && <p className="mt-2 text-sm text-slate-600">Connecting…</p>}
        {!testing && testState.status === 'invalid' && <p className="mt-2 text-sm font-medium text-red-800">{testState.message}</p>}
        {!testing && testState.status === 'failed' && (
          <div className="mt-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
            <p className="font-semibold">Connection failed</p>
            <p data-testid="test-error">{testState.message}</p>
          </div>
        )}
        {!testing && testState.status === 'ok' && (
          <div className="mt-2 space-y-3 text-sm">
            <p className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-emerald-900">
              <span className="font-semibold">Connected</span> to <code className="font-mono">{testState.url}</code>.{' '}
              <span data-testid="matched-count">
                The inactive filter matches {testState.matched} {testState.matched === 1 ? 'entry' : 'entries'}
              </span>
              {testState.matched && testState.matched > 10 ? '; the first ten:' : testState.matched ? ':' : '.'}
            </p>
            <p className="text-xs text-slate-600">
              Filter: <code className="font-mono break-all">{testState.filter}</code>
            </p>
            {/* Above the entries: people who would fail in both jobs matter more than a sample. */}
            <FilterOverlapNotice notice={testState.overlap} />
            {testState.entries && testState.entries.length > 0 && (
              <DataTable
                variant="compact"
                caption="First entries the inactive filter matches"
                rows={testState.entries}
                rowKey={(entry) => entry.dn}
                columns={[
                  { key: 'username', header: 'Username', className: 'font-medium text-slate-900', cell: (entry) => entry.username ?? '—' },
                  { key: 'name', header: 'Name', className: 'text-slate-700', cell: (entry) => (entry.problem ? <span className="text-amber-800">{entry.problem}</span> : (entry.displayName ?? '—')) },
                  { key: 'email', header: 'Email', className: 'text-slate-700', cell: (entry) => entry.email ?? '—' },
                  { key: 'dn', header: 'DN', className: 'font-mono text-xs break-all text-slate-600', cell: (entry) => entry.dn },
                ]}
              />
            )}
          </div>
        )}
      </section>
    </form>
  );
}
