// CI's check of the README's first command, taken as a new user takes it: `npm ci && npm run demo`
// in a shell of its own (a terminal's foreground job), on private ports and a private data folder
// through the documented variables. It waits for /api/ready, checks that the sign-in page answers,
// presses Ctrl-C (SIGINT to the job's whole process group, as a terminal does) and checks that
// every process and port the demo started is gone. Plain Node, no dependencies: it runs before
// `npm ci` has installed anything. Prints `demo smoke: passed` or `demo smoke: FAILED (...)`.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const command = 'npm ci && npm run demo'; // README, "Two commands": keep identical
const dataDir = path.join(root, '.test-data', 'demo-smoke');
const START_TIMEOUT_MS = 15 * 60_000; // npm ci + first next build on a slow 2-core machine
const STOP_TIMEOUT_MS = 90_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Processes that inherited the smoke's marker variable: everything the demo started. */
function demoProcesses(marker) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.split('\0').includes(marker)) continue;
      found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim().slice(0, 120)}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function main() {
  const ports = { PORT: await freePort(), DEMO_PG_PORT: await freePort(), DEMO_REDIS_PORT: await freePort(), DEMO_LDAP_PORT: await freePort() };
  const marker = `IDM_DEMO_SMOKE=${process.pid}`;
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`demo smoke: \`${command}\` with PORT=${ports.PORT} DEMO_PG_PORT=${ports.DEMO_PG_PORT} DEMO_REDIS_PORT=${ports.DEMO_REDIS_PORT} DEMO_LDAP_PORT=${ports.DEMO_LDAP_PORT} DEMO_DATA_DIR=${path.relative(root, dataDir)}`);
  const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DEMO_DATA_DIR: dataDir, IDM_DEMO_SMOKE: String(process.pid) };
  // The demo must bring its own services: none of a developer's own may leak in.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'LDAP_URL', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_BASE_DN', 'APP_ENCRYPTION_KEY', 'NODE_ENV']) delete env[name];
  const shell = spawn('bash', ['-c', command], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    process.stdout.write(chunk);
    output = (output + chunk).slice(-20_000);
  };
  shell.stdout.setEncoding('utf8').on('data', keep);
  shell.stderr.setEncoding('utf8').on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => shell.once('exit', (code, signal) => resolve((exited = { code, signal }))));
  const base = `http://127.0.0.1:${ports.PORT}`;

  const ctrlC = async () => {
    if (exited) return;
    console.log('demo smoke: Ctrl-C (SIGINT to the process group)');
    try {
      process.kill(-shell.pid, 'SIGINT');
    } catch {
      // already gone
    }
    const timeout = sleep(STOP_TIMEOUT_MS).then(() => 'timeout');
    if ((await Promise.race([exit, timeout])) === 'timeout') {
      process.kill(-shell.pid, 'SIGKILL');
      throw new Error(`the demo did not stop within ${STOP_TIMEOUT_MS / 1000} s of Ctrl-C`);
    }
  };

  try {
    // 1. Up and ready.
    const deadline = Date.now() + START_TIMEOUT_MS;
    let ready = null;
    while (!ready) {
      if (exited) throw new Error(`the demo exited before it was ready (${exited.signal ?? `exit code ${exited.code}`})`);
      if (Date.now() > deadline) throw new Error(`/api/ready did not answer 200 within ${START_TIMEOUT_MS / 60_000} min`);
      try {
        const response = await fetch(`${base}/api/ready`, { signal: AbortSignal.timeout(5000) });
        if (response.status === 200) ready = await response.json();
      } catch {
        // not listening yet
      }
      if (!ready) await sleep(1000);
    }
    console.log(`demo smoke: /api/ready answered 200 ${JSON.stringify(ready)}`);
    if (!/Admin:\s+admin \/ \S+/.test(output) || !/Operator:\s+operator \/ \S+/.test(output)) throw new Error('the demo did not print the two demo logins');

    // 2. The sign-in page answers.
    const login = await fetch(`${base}/login`, { signal: AbortSignal.timeout(10_000) });
    const html = await login.text();
    if (login.status !== 200 || !html.includes('Sign in')) throw new Error(`/login answered ${login.status} without a sign-in form`);
    console.log('demo smoke: /login answered 200 with the sign-in form');

    // 3. Ctrl-C stops everything. First make sure the check below can see what is running.
    const running = demoProcesses(marker);
    console.log(`demo smoke: ${running.length} processes of the demo running`);
    if (running.length < 3) throw new Error(`expected the web server, the worker and the services among the demo's processes, found: ${running.join('; ')}`);
    await ctrlC();
    // npm passes Ctrl-C on and then ends by it, as in a terminal (exit status 130): that is a clean stop.
    const clean = exited.code === 0 || exited.code === 130 || exited.signal === 'SIGINT';
    if (!clean) throw new Error(`after Ctrl-C the demo exited with ${exited.signal ?? `code ${exited.code}`}`);
    if (!output.includes('[demo] Stopped.')) throw new Error('the demo did not report "Stopped."');
    await sleep(500);
    const left = demoProcesses(marker);
    const open = [];
    for (const [name, port] of Object.entries(ports)) if (await listening(port)) open.push(`${name}=${port}`);
    if (left.length || open.length) {
      throw new Error(`still running after Ctrl-C: ${[...left, ...open.map((p) => `a listener on ${p}`)].join('; ')}`);
    }
    console.log('demo smoke: every process and port the demo started is gone');
    console.log('demo smoke: passed');
    return 0;
  } catch (error) {
    console.log(`demo smoke: FAILED (${error.message})`);
    await ctrlC().catch(() => undefined);
    for (const line of demoProcesses(marker)) {
      const pid = Number(line.split(' ')[0]);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    return 1;
  }
}

process.exit(await main());
