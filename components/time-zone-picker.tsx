'use client';

import { useMemo } from 'react';

type Props = {
  id: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  /** IANA names from the server (lib/cron timeZoneChoices), so that server and browser list the same zones. */
  choices: string[];
  error?: string;
};

/** A native select of IANA time zones grouped by region: keyboard type-ahead works out of the box. */
export function TimeZonePicker({ id, name, value, onChange, choices, error }: Props) {
  const groups = useMemo(() => {
    const byRegion = new Map<string, string[]>();
    for (const zone of choices.includes(value) ? choices : [value, ...choices]) {
      const region = zone.includes('/') ? zone.slice(0, zone.indexOf('/')) : 'General';
      byRegion.set(region, [...(byRegion.get(region) ?? []), zone]);
    }
    return [...byRegion.entries()];
  }, [choices, value]);
  const errorId = `${id}-error`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        Time zone
      </label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={errorId}
        className="mt-1.5 block w-full max-w-xs rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-xs focus:border-brand-600 aria-invalid:border-red-500"
      >
        {groups.map(([region, zones]) => (
          <optgroup key={region} label={region}>
            {zones.map((zone) => (
              <option key={zone} value={zone}>
                {zone.replaceAll('_', ' ')}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <p id={errorId} className="mt-1 min-h-5 text-sm text-red-700">
        {error}
      </p>
    </div>
  );
}
