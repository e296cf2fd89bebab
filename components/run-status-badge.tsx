import type { RunStatus } from '@/lib/generated/prisma/enums';
import { StateBadge } from './state-badge';

/** A run's status (the shared state badge), with a second pill when it was a dry run. */
export function RunStatusBadge({ status, dryRun = false }: { status: RunStatus; dryRun?: boolean }) {
  return (
    <span className="inline-flex items-center gap-1">
      <StateBadge state={status} />
      {dryRun && <span className="rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-800 ring-1 ring-violet-200 ring-inset">Dry run</span>}
    </span>
  );
}
