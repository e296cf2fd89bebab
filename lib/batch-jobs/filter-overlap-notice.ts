import { ACTIVE_LDAP_USERS, INACTIVE_LDAP_USERS } from '../sync/job-options';
import type { FilterOverlap, OverlapExample } from './check-filter-overlap';

// The words of the overlap check, for the job page's Save and the LDAP connection page's Test
// connection. Pure: the pages only render what this returns.

export type FilterOverlapNotice = {
  /** warning: people will fail at run time; caution: not checked; ok: nobody is in both. */
  tone: 'warning' | 'caution' | 'ok';
  title: string;
  paragraphs: string[];
  examples: OverlapExample[];
  /** "and 7 more" under the examples, or null when they are all of them. */
  moreExamples: string | null;
  /** A filter for the active job that leaves out the inactive job's people. */
  suggestedActiveFilter: string | null;
  advice: string | null;
};

const INACTIVE_JOB = '"Synchronize inactive LDAP Users to Identity Manager"';
const ACTIVE_JOB = '"Synchronize active LDAP Users to Identity Manager"';

const people = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'person' : 'people'}`;
const entries = (n: number) => `${n.toLocaleString('en-US')} directory ${n === 1 ? 'entry' : 'entries'}`;

/** `context`: 'save' after a job's Save (it saved anyway), 'test' for Test connection. */
export function describeFilterOverlap(overlap: FilterOverlap, context: 'save' | 'test'): FilterOverlapNotice {
  const quiet = { examples: [], moreExamples: null, suggestedActiveFilter: null, advice: null };
  if (overlap.status === 'none') {
    return {
      tone: 'ok',
      title: 'No person is matched by both jobs\' filters',
      paragraphs: [
        overlap.provenBy === 'filters'
          ? 'The two filters exclude each other, whatever the directory holds.'
          : 'The directory has no entry that both filters match now.',
      ],
      ...quiet,
    };
  }
  if (overlap.status === 'unchecked') {
    return {
      tone: 'caution',
      title: context === 'save' ? 'Saved, but the overlap of the two jobs\' filters could not be checked' : 'The overlap of the two jobs\' filters could not be checked',
      paragraphs: [overlap.reason],
      ...quiet,
      advice:
        context === 'save'
          ? 'A person matched by both filters fails in both jobs at every run. Check the overlap with Test connection under Admin > LDAP connection once the directory answers.'
          : null,
    };
  }

  const { count, stoppedBy, limit, examples, filters } = overlap;
  const title =
    stoppedBy === 'limit'
      ? `More than ${people(limit)} would fail in both jobs`
      : stoppedBy === 'timeout'
        ? `At least ${people(count)} would fail in both jobs`
        : `${people(count)} would fail in both jobs`;
  const matched =
    stoppedBy === 'limit'
      ? `more than ${entries(limit)} (the count stops there)`
      : stoppedBy === 'timeout'
        ? `at least ${entries(count)} (the directory did not finish the count in time)`
        : count === 1
          ? 'this directory entry'
          : `these ${entries(count)}`;
  const paragraphs = [
    `The filters of ${INACTIVE_JOB} and ${ACTIVE_JOB} both match ${matched}.`,
    `At every run, both jobs report each of them as a failure ("matched by the filters of both jobs") and leave them unchanged in Identity Manager: ` +
      'an active user among them is not deactivated and keeps credentials and roles, and a missing one is not created.',
  ];
  if (context === 'save') {
    paragraphs.push(
      'The settings were saved anyway: the directory changes over time, and the other job may be the one to correct. ' +
        'This check runs again at every Save and with Test connection under Admin > LDAP connection.',
    );
  }
  const rest = count - examples.length;
  return {
    tone: 'warning',
    title,
    paragraphs,
    examples,
    moreExamples: stoppedBy !== null ? 'and more' : rest > 0 ? `and ${rest.toLocaleString('en-US')} more` : null,
    // The inactive filter wins: someone it selects has left, and must not stay active.
    suggestedActiveFilter: `(&${filters[ACTIVE_LDAP_USERS]}(!${filters[INACTIVE_LDAP_USERS]}))`,
    advice:
      'What to do: make the two filters exclude each other. Usually the active job\'s filter should leave out the people the inactive job\'s filter selects (as below); ' +
      'if instead the inactive job\'s filter selects people who are still active, correct that one, or correct these entries in the directory.',
  };
}
