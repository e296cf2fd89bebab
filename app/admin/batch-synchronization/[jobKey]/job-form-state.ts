import type { FilterOverlapNotice } from '@/lib/batch-jobs/filter-overlap-notice';

/** What Save returns to the job page's form (useActionState). */
export type JobFormState = {
  status: 'idle' | 'saved' | 'invalid' | 'conflict' | 'error';
  message?: string;
  /** Keyed by the form's field names (cronExpression, timeZone, filter, mapping.email …). */
  fieldErrors?: Record<string, string>;
  warnings?: string[];
  /** After a save: who both jobs' filters match (lib/batch-jobs/check-filter-overlap). */
  overlap?: FilterOverlapNotice;
  /** The version the form must send next: the saved one after a save. */
  version: number;
  /** The expression the server judged, so its message shows only while the field still holds it. */
  submittedExpression?: string;
};
