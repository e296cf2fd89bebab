// `npm test`: every check the project has, in order, with one total at the end.
// lint, type check and the production build count as one check each; Vitest (unit +
// integration) and Playwright (e2e) report their own test counts through JSON reporters.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

type Tally = { passed: number; failed: number; skipped: number };
const total: Tally = { passed: 0, failed: 0, skipped: 0 };
const reports = path.resolve('.test-data/reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  console.log(`\n=== ${[command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function check(name: string, command: string, args: string[], env?: Record<string, string>): Promise<boolean> {
  const ok = (await run(command, args, env)) === 0;
  if (ok) total.passed += 1;
  else total.failed += 1;
  console.log(`--- ${name}: ${ok ? 'passed' : 'FAILED'}`);
  return ok;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

const only = process.argv.slice(2); // e.g. `npm test -- unit integration`
const wants = (step: string) => only.length === 0 || only.includes(step);

await run('node', ['scripts/generate-client.mjs']);

if (wants('lint')) await check('lint', 'npx', ['eslint', '.', '--max-warnings=0']);
if (wants('typecheck')) await check('type check', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
const built = wants('build') || wants('integration') || wants('e2e') ? await check('build', 'npx', ['next', 'build']) : true;

// The Redis failover scenarios run alone, after the other integration tests: a cluster fails a
// master over on its node timeout (15 s), and with the other files' servers on the same two cores
// its nodes and the workers' waits stretch.
const FAILOVER_TESTS = 'tests/integration/redis-failover.test.ts';
const VITEST_RUNS = [
  { step: 'unit', report: 'vitest-unit.json', args: ['--project', 'unit'] },
  { step: 'integration', report: 'vitest-integration.json', args: ['--project', 'integration', '--exclude', FAILOVER_TESTS] },
  { step: 'integration', report: 'vitest-failover.json', args: ['--project', 'integration', FAILOVER_TESTS] },
];
for (const { step: project, report: reportName, args } of VITEST_RUNS) {
  if (!wants(project)) continue;
  const out = path.join(reports, reportName);
  const code = await run('npx', ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const report = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
  if (!report) {
    total.failed += 1;
    console.log(`--- vitest ${project}: no report (exit ${code})`);
    continue;
  }
  total.passed += report.numPassedTests;
  total.failed += report.numFailedTests + (code !== 0 && report.numFailedTests === 0 ? 1 : 0);
  total.skipped += report.numPendingTests + report.numTodoTests;
}

// The e2e specs, then issue 16's restore scenario on its own generated directory (its own config:
// playwright.restore-scenario.config.ts; RESTORE_SCENARIO_PEOPLE, default 300).
const E2E_RUNS = [
  { name: 'playwright', report: 'playwright.json', args: [] as string[] },
  { name: 'restore scenario', report: 'playwright-restore-scenario.json', args: ['-c', 'playwright.restore-scenario.config.ts'] },
];
for (const e2e of wants('e2e') ? E2E_RUNS : []) {
  const out = path.join(reports, e2e.report);
  if (!built) {
    total.failed += 1;
    console.log(`--- ${e2e.name}: skipped because the build failed`);
    continue;
  }
  const code = await run('npx', ['playwright', 'test', ...e2e.args, '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
  if (!report) {
    total.failed += 1;
    console.log(`--- ${e2e.name}: no report (exit ${code})`);
  } else {
    total.passed += report.stats.expected + report.stats.flaky;
    total.failed += report.stats.unexpected + (code !== 0 && report.stats.unexpected === 0 ? 1 : 0);
    total.skipped += report.stats.skipped;
  }
}

if (!existsSync(reports)) mkdirSync(reports);
console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed === 0 ? 0 : 1);
