import { describe, expect, it } from 'vitest';
import { deployBlocker, diagnoseHistory, type MigrationRecord } from './migration-history';
import { migrationChecksum, type MigrationScript } from './migrations-folder';

const script = (name: string, sql = `-- ${name}\n`): MigrationScript => ({ name, sql, checksum: migrationChecksum(sql) });
const record = (m: MigrationScript, patch: Partial<MigrationRecord> = {}): MigrationRecord => ({
  id: `id-${m.name}`,
  checksum: m.checksum,
  finishedAt: new Date(),
  migrationName: m.name,
  logs: null,
  rolledBackAt: null,
  startedAt: new Date(),
  appliedStepsCount: 1,
  ...patch,
});

const [init, second, third] = [script('20260101000000_init'), script('20260201000000_second'), script('20260301000000_third')];

describe('diagnoseHistory', () => {
  it('lists applied and pending migrations in folder order', () => {
    const history = diagnoseHistory([init, second, third], [record(init)]);
    expect(history).toMatchObject({ applied: [init.name], pending: [second.name, third.name], edited: [], failed: [], unknown: [] });
    expect(deployBlocker(history, 'prisma/migrations')).toBeNull();
  });

  it('treats a rolled-back attempt as pending, not failed', () => {
    const history = diagnoseHistory([init, second], [record(init), record(second, { finishedAt: null, rolledBackAt: new Date() })]);
    expect(history).toMatchObject({ pending: [second.name], failed: [] });
  });

  it('reports a failed migration and blocks the deploy', () => {
    const history = diagnoseHistory([init, second], [record(init), record(second, { finishedAt: null, logs: 'boom' })]);
    expect(history).toMatchObject({ failed: [second.name], pending: [] });
    expect(deployBlocker(history, 'prisma/migrations')).toMatch(/did not finish: 20260201000000_second.*migrate resolve/s);
  });

  it('reports an applied migration whose file changed, and blocks the deploy', () => {
    const edited = { ...init, sql: `${init.sql}-- later edit\n` };
    const history = diagnoseHistory([edited, second], [record(init)]);
    expect(history.edited).toEqual([init.name]);
    expect(deployBlocker(history, 'prisma/migrations')).toMatch(/changed after they were applied: 20260101000000_init/);
  });

  it('reports migrations the folder does not have, and blocks the deploy', () => {
    const history = diagnoseHistory([init], [record(init), record(second)]);
    expect(history.unknown).toEqual([second.name]);
    expect(deployBlocker(history, 'prisma/migrations')).toMatch(/database has migrations that prisma\/migrations does not: 20260201000000_second/);
  });
});
