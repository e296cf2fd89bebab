import type { ButtonHTMLAttributes, ReactNode } from 'react';

// The submit button of every form that waits on a server action: one look per tone and size, and
// while the action runs it is disabled (no second submission) and says what it is doing.

const TONES = {
  primary: 'bg-brand-700 text-white shadow-sm hover:bg-brand-800',
  secondary: 'border border-slate-300 bg-white text-slate-800 shadow-sm hover:bg-slate-50',
  danger: 'border border-red-300 bg-white text-red-800 shadow-sm hover:bg-red-50',
  caution: 'bg-amber-700 text-white shadow-sm hover:bg-amber-800',
} as const;

const SIZES = {
  small: 'px-2.5 py-1 text-xs font-medium',
  medium: 'px-3 py-1.5 text-sm font-medium',
  large: 'px-4 py-2 text-sm font-semibold',
  /** The whole width of a narrow form (sign-in, password). */
  block: 'flex w-full justify-center px-4 py-2.5 text-sm font-semibold',
} as const;

export function SubmitButton({
  pending,
  pendingLabel,
  tone = 'primary',
  size = 'medium',
  disabled,
  children,
  ...rest
}: {
  /** The form's action is running. */
  pending: boolean;
  /** Shown instead of the label while pending, e.g. "Saving…". */
  pendingLabel: ReactNode;
  tone?: keyof typeof TONES;
  size?: keyof typeof SIZES;
  children: ReactNode;
} & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className' | 'children'>) {
  return (
    <button
      {...rest}
      type="submit"
      disabled={pending || disabled}
      className={`rounded-md ${TONES[tone]} ${SIZES[size]} disabled:opacity-60 ${pending ? 'cursor-wait' : 'disabled:cursor-not-allowed'}`}
    >
      {pending ? pendingLabel : children}
    </button>
  );
}
