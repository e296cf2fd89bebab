// IANA time zones as understood by both Intl (display) and cron-parser (firing times).

export type TimeZoneValidation = { ok: true; timeZone: string } | { ok: false; error: string };

export function validateTimeZone(input: string): TimeZoneValidation {
  const timeZone = typeof input === 'string' ? input.trim() : '';
  if (timeZone === '') return { ok: false, error: 'Choose a time zone (an IANA name such as Europe/Berlin or UTC).' };
  try {
    // Canonical spelling (e.g. "utc" -> "UTC") so the scheduler and the UI show the same name.
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    return { ok: true, timeZone: canonical };
  } catch {
    return { ok: false, error: `Unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin or UTC.` };
  }
}

/** Time zones to offer in a picker. */
export function timeZoneChoices(): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}
