/** Path of a user's page in the Operator UI; other pages (run items, audit) link to it too. */
export function userPagePath(username: string): string {
  return `/operator/users/${encodeURIComponent(username)}`;
}
