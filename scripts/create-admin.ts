// `npm run admin:create -- <username> [--display-name "Full Name"]`
//
// The production way to create the first administrator (and any later one). The password is
// typed twice on a terminal (not echoed), or read from standard input when it is not a
// terminal (`printf '%s\n' "$PW" | npm run admin:create -- alice`). There is no default.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { AccountExistsError, createAccount, MIN_PASSWORD_LENGTH, newPasswordSchema, usernameSchema, WeakPasswordError } from '@/lib/auth/accounts';
import { recordAudit } from '@/lib/audit/record-audit';
import { ConfigError } from '@/lib/config';
import { disconnectDb } from '@/lib/db';

const USAGE = 'Usage: npm run admin:create -- <username> [--display-name "Full Name"]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** Reads one line from a terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Raw mode before the prompt: whatever is typed after the prompt appears is never echoed.
    stdin.setRawMode(true);
    process.stdout.write(prompt);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stdout.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          process.stdout.write('\n');
          reject(new Error('Cancelled.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

/** The first line of standard input (a pipe or a file). */
async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readFirstLine();
  console.log(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters (a passphrase is best).`);
  const first = await askHidden('Password: ');
  const second = await askHidden('Repeat the password: ');
  if (first !== second) fail('The two passwords differ. Nothing was created.');
  return first;
}

async function main() {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { 'display-name': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) fail(USAGE);
  const username = usernameSchema.safeParse(positionals[0]);
  if (!username.success) fail(`Username: ${username.error.issues[0]?.message}`);
  const password = newPasswordSchema.safeParse(await readPassword());
  if (!password.success) fail(`Password: ${password.error.issues[0]?.message} Nothing was created.`);

  try {
    const account = await createAccount({
      username: username.data,
      password: password.data,
      role: 'ADMINISTRATOR',
      displayName: values['display-name'] ?? null,
    });
    await recordAudit({ actor: 'system', action: 'account.created', target: `account:${account.username}`, details: { role: account.role, via: 'admin:create' } });
    console.log(`Administrator "${account.username}" created. Sign in at /login.`);
  } catch (error) {
    if (error instanceof AccountExistsError || error instanceof ConfigError) fail(error.message);
    if (error instanceof WeakPasswordError) fail(`Password: ${error.message} Nothing was created.`);
    throw error;
  } finally {
    await disconnectDb();
  }
}

await main();
