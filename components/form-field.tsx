import type { ReactNode } from 'react';

// One labelled form field of every form in the product: label, optional help, the control, and
// a line for its error that is kept even when empty so that an error does not move the form.
// The control (input, select, custom field) is the caller's; it points at the help and error
// through aria-describedby={fieldDescribedBy(id, hasHelp)}.

/** Every text input, select and textarea. 16px text on phones: iOS zooms into smaller fields. */
export const INPUT_CLASS =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base text-slate-900 shadow-xs focus:border-brand-600 aria-invalid:border-red-500 aria-invalid:bg-red-50 sm:text-sm';

export function fieldDescribedBy(id: string, help = false): string {
  return help ? `${id}-help ${id}-error` : `${id}-error`;
}

export function FormField({
  id,
  label,
  help,
  error,
  className,
  children,
}: {
  id: string;
  label: ReactNode;
  help?: ReactNode;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {help && (
        <p id={`${id}-help`} className="mt-0.5 text-xs text-slate-600">
          {help}
        </p>
      )}
      {children}
      <p id={`${id}-error`} className="mt-1 min-h-5 text-sm text-red-700">
        {error}
      </p>
    </div>
  );
}
