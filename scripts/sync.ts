import { closePool, pool } from '@/lib/db-pool';
import { createRun } from '@/lib/runs/run-lifecycle';
import { isSyncJobKey } from '@/lib/sync/job-options';
import { failRun, runBatchJob } from '@/lib/sync/run-batch-job';
import { PhaseTimer } from '@/lib/sync/phase-timer';
import { thresholdMessage } from '@/lib/sync/threshold';

// npm run sync -- <job-key> [--dry-run] [--confirm]: runs a batch job in the foreground (operations, tests, benchmark).
const args = process.argv.slice(2);
const jobKey = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--restore');
const dryRun = args.includes('--dry-run');
const confirmed = args.includes('--confirm');
const json = args.includes('--json');
// --restore <runId>: a restore run of that run of the inactive job (the benchmark's restore
// measurement); --confirm confirms it past the job's threshold, as for a sync run.
const restoreOf = args.includes('--restore') ? Number(args[args.indexOf('--restore') + 1]) : null;
// --profile: time per phase (LDAP wait, mapping, sibling check, each statement), printed at the end.
const timer = args.includes('--profile') ? new PhaseTimer() : undefined;

if (!jobKey || !isSyncJobKey(jobKey)) {
  console.error('Usage: npm run sync -- <inactive-ldap-users|active-ldap-users> [--dry-run] [--confirm] [--restore <runId>] [--json] [--profile]');
  process.exit(2);
}

async function main(jobKey: string): Promise<number> {
  // Same rule as the jobs layer: at most one queued or running run per job.
  const run = await createRun(pool(), { jobKey, trigger: 'CLI', startedBy: 'cli', dryRun, confirmed, restoreOfRunId: restoreOf });
  if (!run) {
    console.error(`Job ${jobKey} does not exist or already has a queued or running run.`);
    return 1;
  }
  const runId = run.id;
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  try {
    const outcome = await runBatchJob({
      runId,
      timer,
      onProgress: (p) => {
        if (json) return;
        const total = p.entriesTotal ? `/${p.entriesTotal}` : '';
        process.stdout.write(`\rpage ${p.page}: ${p.entriesRead}${total} entries, ${p.counters.created} created, ${p.counters.updated} updated, ${p.counters.unchanged} unchanged, ${p.counters.failed} failed`);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    if (timer) {
      // This process's CPU during the run (start-up excluded): on a busy machine the phases' wall times overlap.
      const cpu = process.cpuUsage(cpuAtStart);
      timer.add('cpu.user', cpu.user / 1000);
      timer.add('cpu.system', cpu.system / 1000);
      console.error(JSON.stringify({ profile: timer.report() }));
    }
    if (json) console.log(JSON.stringify({ ...outcome, seconds }));
    else {
      console.log(`\nRun ${outcome.runId} ${outcome.status}${outcome.dryRun ? ' (dry run)' : ''} in ${seconds.toFixed(2)} s`);
      console.table(outcome.counters);
      if (outcome.wouldDeactivate !== null) console.log(`Active users it would deactivate (threshold check): ${outcome.wouldDeactivate}`);
      if (outcome.dryRun && outcome.thresholdCheck?.exceeded) console.log(thresholdMessage(outcome.thresholdCheck, 'dry-run'));
      if (outcome.error) console.log(`${outcome.errorCode}: ${outcome.error}`);
    }
    return outcome.status === 'SUCCEEDED' || outcome.status === 'COMPLETED_WITH_ERRORS' ? 0 : 1;
  } catch (error) {
    // No worker retries here: the run ends FAILED and the operator starts it again.
    const failed = await failRun(runId, error);
    console.error(`\nRun ${runId} FAILED: ${failed.error}`);
    return 1;
  }
}

main(jobKey)
  .then(async (code) => {
    await closePool();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(error);
    await closePool();
    process.exit(1);
  });
