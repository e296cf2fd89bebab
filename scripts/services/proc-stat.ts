import { readdirSync, readFileSync } from 'node:fs';

// Processes as Linux's /proc/<pid>/stat describes them: the test servers' process groups
// (process-group.ts) and the CPU time of a server with the processes it started (PostgreSQL's
// backends: one process per connection, gone when the connection closes). The benchmark prints
// what each server spent on a run: where the work went, beside how long it took.

/** Linux reports CPU times in clock ticks (USER_HZ), 100 a second. */
const TICKS_PER_SECOND = 100;

/**
 * The fields of /proc/<pid>/stat after the command's name: [0] state, [1] ppid, [2] pgrp, …
 * [11] utime, [12] stime, [13] cutime, [14] cstime. Null when the process is gone. The name may
 * hold spaces and parentheses, so the fields are read after the last ')'.
 */
export function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime + cutime + cstime: the process's own CPU and that of the children it reaped. */
function ticks(fields: readonly string[]): number {
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/**
 * Seconds of CPU (user + system) that `pid` and its children have used: the children it reaped
 * (a closed connection's backend) and those still running. Null when `pid` is gone.
 */
export function treeCpuSeconds(pid: number): number | null {
  const own = statFields(pid);
  if (!own) return null;
  let total = ticks(own);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statFields(Number(entry));
    if (child && Number(child[1]) === pid) total += ticks(child);
  }
  return total / TICKS_PER_SECOND;
}
