'use client';

import { startTransition, useActionState, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { CronExpressionField } from '@/components/cron-expression-field';
import { FilterOverlapNotice } from '@/components/filter-overlap-notice';
import { fieldDescribedBy, FormField, INPUT_CLASS as inputClass } from '@/components/form-field';
import { TimeZonePicker } from '@/components/time-zone-picker';
import type { JobOptionsFields, PresetDefaults, UniqueIdChoice } from '@/lib/job-settings/job-options-form';
import { choosePreset } from '@/lib/job-settings/choose-preset';
import { textProblem, TEXT_PROBLEM_MESSAGES } from '@/lib/text/acceptable-text';
import { MAPPING_FIELDS, MAPPING_LABELS } from '@/lib/job-settings/mapping-fields';
import { CONFIRMATION_RULE_DESCRIPTIONS, CONFIRMATION_RULE_LABELS, CONFIRMATION_RULES } from '@/lib/batch-jobs/confirmation-rule';
import { saveBatchJobAction } from './actions';
import type { JobFormState } from './job-form-state';

type Props = {
  jobKey: string;
  version: number;
  cronExpression: string;
  timeZone: string;
  paused: boolean;
  options: JobOptionsFields;
  presets: PresetDefaults[];
  /** The unique ids offered in the field's list (any other attribute name can be typed). */
  uniqueIds: UniqueIdChoice[];
  timeZones: string[];
  /** ISO time of the server render: the first next-run list is computed from it on both sides. */
  renderedAt: string;
};


function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <section aria-labelledby={id} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6">
      <h2 id={id} className="text-base font-semibold text-slate-900">
        {title}
      </h2>
      {description && <p className="mt-0.5 text-sm text-slate-600">{description}</p>}
      <div className="mt-4 space-y-4">{children}</div>
    </section>
  );
}

function TextField({
  name,
  label,
  value,
  onChange,
  error,
  help,
  placeholder,
  inputMode,
  mono,
  list,
}: {
  name: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  help?: string;
  placeholder?: string;
  inputMode?: 'numeric' | 'decimal';
  mono?: boolean;
  /** The id of a <datalist> of suggestions. */
  list?: string;
}) {
  const id = `field-${name.replace('.', '-')}`;
  return (
    <FormField id={id} label={label} help={help} error={error}>
      <input
        id={id}
        name={name}
        type="text"
        value={value}
        placeholder={placeholder}
        inputMode={inputMode}
        list={list}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescribedBy(id, Boolean(help))}
        className={`${inputClass} ${mono ? 'font-mono' : ''}`}
      />
    </FormField>
  );
}

/** The administrator's edit of one batch job: schedule, filter, mapping, thresholds; one Save. */
export function JobSettingsForm(props: Props) {
  const action = useMemo(() => saveBatchJobAction.bind(null, props.jobKey), [props.jobKey]);
  const [actionState, formAction, pending] = useActionState(action, {
    status: 'idle',
    version: props.version,
  } satisfies JobFormState);
  // A field holding text no field accepts (a pasted NUL or control character) is refused here:
  // the server refuses it too, but in front of the action, with an answer the form cannot show.
  const [refusal, setRefusal] = useState<{ state: JobFormState; after: JobFormState } | null>(null);
  const state = refusal && refusal.after === actionState ? refusal.state : actionState;
  const [expression, setExpression] = useState(props.cronExpression);
  const [touched, setTouched] = useState(false);
  const [timeZone, setTimeZone] = useState(props.timeZone);
  const [paused, setPaused] = useState(props.paused);
  const [options, setOptions] = useState<JobOptionsFields>(props.options);
  const [from, setFrom] = useState(() => new Date(props.renderedAt));
  const formRef = useRef<HTMLFormElement>(null);
  const messageRef = useRef<HTMLDivElement>(null);

  const set = (field: keyof JobOptionsFields) => (value: string) => setOptions((o) => ({ ...o, [field]: value }));
  const blank = expression.trim() === '';
  const preset = props.presets.find((p) => p.key === options.filterPreset) ?? props.presets[0]!;

  const uniqueId = options.uniqueIdAttribute.trim() || preset.uniqueIdAttribute;
  const uniqueIdLabel = props.uniqueIds.find((u) => u.attribute.toLowerCase() === uniqueId.toLowerCase())?.label;
  const errors = state.fieldErrors ?? {};
  const serverExpressionError = errors.cronExpression && state.submittedExpression === expression ? errors.cronExpression : undefined;

  // After a refused save, take the keyboard to the first field that needs attention, or to the message.
  useEffect(() => {
    if (state.status === 'idle') return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (state.status === 'invalid' && invalid) invalid.focus();
    else messageRef.current?.focus();
  }, [state]);

  // The form's own submit keeps every field as typed (React resets a form whose action prop ran).
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    const data = new FormData(event.currentTarget);
    for (const [name, value] of data.entries()) {
      const problem = typeof value === 'string' ? textProblem(value) : null;
      if (problem) {
        const message = `Nothing was saved: ${TEXT_PROBLEM_MESSAGES[problem]}`;
        setRefusal({ after: actionState, state: { status: 'invalid', version: actionState.version, submittedExpression: expression, fieldErrors: { [name]: TEXT_PROBLEM_MESSAGES[problem] }, message } });
        return;
      }
    }
    setRefusal(null);
    startTransition(() => formAction(data));
  };

  const banner =
    state.status === 'saved'
      ? 'border-emerald-200 bg-emerald-50 text-emerald-900'
      : state.status === 'idle'
        ? ''
        : 'border-red-200 bg-red-50 text-red-900';

  return (
    <form ref={formRef} onSubmit={submit} noValidate className="space-y-6">
      <input type="hidden" name="version" value={state.version} />
      <Section title="Schedule" description="When the scheduler starts this job. Saved schedules take effect at once.">
        <CronExpressionField
          id="cron-expression"
          name="cronExpression"
          value={expression}
          onChange={(v) => {
            setExpression(v);
            setTouched(true);
            setFrom(new Date());
          }}
          timeZone={timeZone}
          from={from}
          serverError={serverExpressionError}
          touched={touched}
          paused={paused}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <TimeZonePicker
            id="time-zone"
            name="timeZone"
            value={timeZone}
            onChange={(v) => {
              setTimeZone(v);
              setFrom(new Date());
            }}
            choices={props.timeZones}
            error={errors.timeZone}
          />
          <div className="pt-7">
            <div className="flex items-start gap-3">
              <input
                id="paused"
                name="paused"
                type="checkbox"
                checked={paused && !blank}
                disabled={blank}
                onChange={(e) => setPaused(e.target.checked)}
                aria-describedby="paused-help"
                className="mt-0.5 h-5 w-5 rounded border-slate-400 accent-brand-700 disabled:opacity-50"
              />
              <div>
                <label htmlFor="paused" className="text-sm font-medium text-slate-800">
                  Pause schedule
                </label>
                <p id="paused-help" className="text-xs text-slate-600">
                  {blank
                    ? 'Nothing to pause: the job has no expression.'
                    : 'Keeps the expression but starts no run on it until you clear this and save; operators can still start the job.'}
                </p>
              </div>
            </div>
          </div>
        </div>
      </Section>

      <Section title="Directory filter" description="Which LDAP entries this job reads.">
        <fieldset aria-describedby="field-filterPreset-error">
          <legend className="block text-sm font-medium text-slate-800">Filter preset</legend>
          <ul className="mt-1 grid gap-2 sm:grid-cols-2">
            {props.presets.map((p) => (
              <li key={p.key}>
                <label
                  className={`flex h-full cursor-pointer gap-3 rounded-md border px-3 py-2 text-sm ${
                    p.key === options.filterPreset ? 'border-brand-600 bg-brand-50' : 'border-slate-200 hover:border-slate-300'
                  }`}
                >
                  <input
                    type="radio"
                    name="filterPreset"
                    value={p.key}
                    checked={p.key === options.filterPreset}
                    onChange={() => setOptions((o) => choosePreset(o, props.presets, p.key))}
                    aria-describedby={`preset-${p.key}-description`}
                    className="mt-0.5 h-4 w-4 shrink-0 accent-brand-700"
                  />
                  <span>
                    <span className="block font-medium text-slate-900">{p.label}</span>
                    <span id={`preset-${p.key}-description`} className="block text-xs text-slate-600">
                      {p.description}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          <p id="field-filterPreset-error" className="min-h-5 text-sm text-red-700">
            {errors.filterPreset}
          </p>
        </fieldset>
        {options.filterPreset === 'status-attribute' && (
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField name="statusAttribute" label="Status attribute" value={options.statusAttribute} onChange={set('statusAttribute')} error={errors.statusAttribute} mono />
            <TextField name="statusValue" label="Inactive value" value={options.statusValue} onChange={set('statusValue')} error={errors.statusValue} mono />
          </div>
        )}
        <FormField
          id="field-filter"
          label="Filter"
          help={
            options.filterPreset === 'custom'
              ? 'RFC 4515 syntax. A custom filter needs one; it starts as the filter of the preset you came from.'
              : "RFC 4515 syntax. Leave empty to use the preset's filter (shown greyed out)."
          }
          error={errors.filter}
        >
          <textarea
            id="field-filter"
            name="filter"
            rows={2}
            value={options.filter}
            placeholder={preset.filter}
            onChange={(e) => set('filter')(e.target.value)}
            spellCheck={false}
            aria-invalid={errors.filter ? true : undefined}
            aria-describedby={fieldDescribedBy('field-filter', true)}
            className={`${inputClass} font-mono`}
          />
        </FormField>
      </Section>

      <Section
        title="Attribute mapping"
        description={
          options.filterPreset === 'custom'
            ? 'The unique id and the LDAP attribute each Identity Manager user field is read from. A custom filter needs the unique id and the username attribute.'
            : "The unique id and the LDAP attribute each Identity Manager user field is read from. Empty: the preset's attribute (shown greyed out)."
        }
      >
        <TextField
          name="uniqueIdAttribute"
          label="Unique id attribute"
          value={options.uniqueIdAttribute}
          onChange={set('uniqueIdAttribute')}
          placeholder={preset.uniqueIdAttribute}
          list="unique-id-choices"
          help={`Identifies each directory entry for life (renames and moves keep it): the link between the entry and its Identity Manager user. Choose one from the list or type another attribute name. ${
            uniqueId ? `Chosen: ${uniqueIdLabel ?? `${uniqueId} (read as text)`}.` : ''
          }`}
          error={errors.uniqueIdAttribute}
          mono
        />
        <datalist id="unique-id-choices">
          {props.uniqueIds.map((u) => (
            <option key={u.attribute} value={u.attribute} label={u.label} />
          ))}
        </datalist>
        <div className="grid gap-x-4 sm:grid-cols-2 xl:grid-cols-3">
          {MAPPING_FIELDS.map((field) => (
            <TextField
              key={field}
              name={`mapping.${field}`}
              label={MAPPING_LABELS[field]}
              value={options[`mapping.${field}`]}
              onChange={set(`mapping.${field}`)}
              placeholder={preset.mapping[field]}
              error={errors[`mapping.${field}`]}
              mono
            />
          ))}
        </div>
      </Section>

      <Section
        title="Thresholds"
        description="A run that would deactivate more active users than this changes nothing: it lists the people it would deactivate and waits for someone to confirm it (who: below). Dry runs are not stopped; they say when a real run would be."
      >
        <div className="grid gap-x-4 sm:grid-cols-3">
          <TextField name="maxUsers" label="Most users deactivated per run" help="Empty: no limit." value={options.maxUsers} onChange={set('maxUsers')} error={errors.maxUsers} inputMode="numeric" />
          <TextField name="maxPercent" label="Most active users deactivated (%)" help="Empty: no limit." value={options.maxPercent} onChange={set('maxPercent')} error={errors.maxPercent} inputMode="decimal" />
          <TextField name="pageSize" label="LDAP page size" help="Entries read and applied per page." value={options.pageSize} onChange={set('pageSize')} error={errors.pageSize} inputMode="numeric" />
        </div>
        <fieldset aria-describedby="field-confirmationRule-error" className="mt-2">
          <legend className="block text-sm font-medium text-slate-800">Who may confirm a run stopped at the threshold</legend>
          <ul className="mt-1 grid gap-2 sm:grid-cols-3">
            {CONFIRMATION_RULES.map((rule) => (
              <li key={rule}>
                <label
                  className={`flex h-full cursor-pointer gap-3 rounded-md border px-3 py-2 text-sm ${
                    rule === options.confirmationRule ? 'border-brand-600 bg-brand-50' : 'border-slate-200 hover:border-slate-300'
                  }`}
                >
                  <input
                    type="radio"
                    name="confirmationRule"
                    value={rule}
                    checked={rule === options.confirmationRule}
                    onChange={() => set('confirmationRule')(rule)}
                    aria-describedby={`confirmation-${rule}-description`}
                    className="mt-0.5 h-4 w-4 shrink-0 accent-brand-700"
                  />
                  <span>
                    <span className="block font-medium text-slate-900">{CONFIRMATION_RULE_LABELS[rule]}</span>
                    <span id={`confirmation-${rule}-description`} className="block text-xs text-slate-600">
                      {CONFIRMATION_RULE_DESCRIPTIONS[rule]}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          <p id="field-confirmationRule-error" className="min-h-5 text-sm text-red-700">
            {errors.confirmationRule}
          </p>
        </fieldset>
      </Section>

      <Section
        title="Run mode"
        description="Full: every run reads every entry the filter matches. Delta: a run reads only the matched entries changed since the last successful run (modifyTimestamp; uSNChanged on Active Directory), plus the people the Identity Manager let drift from this job's end state, re-checked against the directory. A delta cannot see entries that stopped matching; a full run every few runs or days bounds what that can cost."
      >
        <fieldset aria-describedby="field-runMode-error">
          <legend className="block text-sm font-medium text-slate-800">Mode</legend>
          <div className="mt-1 flex gap-4">
            {(['full', 'delta'] as const).map((mode) => (
              <label key={mode} className="flex items-center gap-2 text-sm text-slate-800">
                <input type="radio" name="runMode" value={mode} checked={options.runMode === mode} onChange={() => set('runMode')(mode)} className="h-4 w-4 accent-brand-700" />
                {mode === 'full' ? 'Full runs' : 'Delta runs'}
              </label>
            ))}
          </div>
          <p id="field-runMode-error" className="min-h-5 text-sm text-red-700">
            {errors.runMode}
          </p>
        </fieldset>
        <div className="grid gap-x-4 sm:grid-cols-2">
          <TextField name="fullRunEveryDays" label="Full run at least every (days)" help="In delta mode. Empty: no period in days. Default 7 (weekly)." value={options.fullRunEveryDays} onChange={set('fullRunEveryDays')} error={errors.fullRunEveryDays} inputMode="numeric" />
          <TextField name="fullRunEveryRuns" label="Full run at least every (runs)" help="In delta mode. Empty: no period in runs." value={options.fullRunEveryRuns} onChange={set('fullRunEveryRuns')} error={errors.fullRunEveryRuns} inputMode="numeric" />
        </div>
      </Section>

      <div className="flex flex-wrap items-start gap-4">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-5 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-800 disabled:cursor-wait disabled:opacity-70"
        >
          Save
        </button>
        {/* Kept in the layout when empty: a confirmation or refusal never moves the button. */}
        <div
          ref={messageRef}
          tabIndex={-1}
          role={state.status === 'saved' ? 'status' : 'alert'}
          aria-live={state.status === 'saved' ? 'polite' : 'assertive'}
          data-testid="save-message"
          className={`min-h-[2.75rem] flex-1 rounded-md border px-3 py-2 text-sm ${banner || 'border-transparent'}`}
        >
          {pending ? <span className="text-slate-600">Saving…</span> : state.message}
          {!pending && state.warnings?.map((w) => <span key={w} className="mt-1 block text-amber-800">{w}</span>)}
        </div>
      </div>
      {!pending && <FilterOverlapNotice notice={state.overlap} />}
    </form>
  );
}
