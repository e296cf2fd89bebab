import { describe, expect, it } from 'vitest';
import { migrationChecksum, migrationSlug, newMigrationName, scriptMatchesChecksum } from './migrations-folder';

describe('migration checksum', () => {
  it('is the sha256 hex of the file, as Prisma records it', () => {
    expect(migrationChecksum('SELECT 1;\n')).toBe('b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd');
    expect(migrationChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches across LF and CRLF line endings, and not across content changes', () => {
    const lf = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(scriptMatchesChecksum(crlf, migrationChecksum(lf))).toBe(true);
    expect(scriptMatchesChecksum(lf, migrationChecksum(crlf))).toBe(true);
    expect(scriptMatchesChecksum(`${lf}-- edited\n`, migrationChecksum(lf))).toBe(false);
  });
});

describe('new migration name', () => {
  it('is the UTC timestamp and the slug of the name', () => {
    expect(newMigrationName('Add user nickname!', [], new Date('2027-03-04T05:06:07.890Z'))).toBe('20270304050607_add_user_nickname');
  });

  it('sorts after the last migration even when the clock is behind', () => {
    const existing = ['20261127000000_init', '20261231235959_later'];
    expect(newMigrationName('x', existing, new Date('2026-01-01T00:00:00Z'))).toBe('20270101000000_x');
    expect(newMigrationName('x', existing, new Date('2027-06-01T00:00:00Z'))).toBe('20270601000000_x');
  });

  it('rejects names without letters or digits', () => {
    expect(() => migrationSlug(' !! ')).toThrow(/not a usable migration name/);
  });
});
