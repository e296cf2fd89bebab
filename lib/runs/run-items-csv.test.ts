import { describe, expect, it } from 'vitest';
import { csvField, csvLine, RESTORE_ITEMS_CSV_HEADER, RUN_ITEMS_CSV_HEADER, runItemCsvLine } from './run-items-csv';

describe('csv', () => {
  it('quotes separators, quotes and line breaks', () => {
    expect(csvField('uid=a,ou=people')).toBe('"uid=a,ou=people"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
    expect(csvLine(['a', 'b'])).toBe('a,b\r\n');
  });

  it('defuses values a spreadsheet would evaluate', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+46 70')).toBe(`"'+46 70"`);
    expect(csvField('@sum')).toBe(`"'@sum"`);
  });

  it('writes one line per item with its changes in words', () => {
    const line = runItemCsvLine({
      id: '7',
      externalId: 'e-1',
      username: 'alice',
      ldapDn: 'uid=alice,ou=people,dc=example,dc=com',
      userId: 3,
      outcome: 'UPDATED',
      reason: null,
      createdAt: new Date(),
      changes: {
        user: { before: { state: 'ACTIVE' }, after: { state: 'INACTIVE' } },
        credentials: [{ type: 'CARD', label: 'C-1', before: 'ACTIVE', after: 'INACTIVE', certificates: [{ serial: '01', before: 'VALID', after: 'ON_HOLD' }] }],
        rolesWithdrawn: [{ id: 1, name: 'Employee' }],
      },
    });
    expect(line).toBe(
      '7,UPDATED,alice,"uid=alice,ou=people,dc=example,dc=com",e-1,3,State: active -> inactive,Card C-1: active -> inactive,01: valid -> on hold,Employee,\r\n',
    );
  });

  it('writes a restore run\'s items in the restore\'s words: restored, conflict, roles granted again, irreversible', () => {
    expect(RUN_ITEMS_CSV_HEADER).toContain('roles_withdrawn');
    expect(RESTORE_ITEMS_CSV_HEADER).not.toContain('roles_withdrawn');
    expect(RESTORE_ITEMS_CSV_HEADER).toEqual(expect.arrayContaining(['roles_granted', 'irreversible']));
    const base = { externalId: 'e-1', username: 'alice', ldapDn: 'uid=alice', userId: 3, createdAt: new Date() };
    const restored = runItemCsvLine(
      {
        ...base,
        id: '8',
        outcome: 'UPDATED',
        reason: '1 certificate(s) the run revoked stay revoked: re-issue the credential.',
        changes: {
          user: { before: { state: 'INACTIVE' }, after: { state: 'ACTIVE' } },
          credentials: [{ type: 'CARD', label: 'C-1', before: 'INACTIVE', after: 'ACTIVE', certificates: [{ serial: '01', before: 'ON_HOLD', after: 'VALID' }] }],
          rolesGranted: [{ id: 1, name: 'Employee' }],
          irreversible: { certificatesRevoked: [{ serial: '02', credentialType: 'TEMPORARY_CARD', credentialLabel: 'T-1', revocationReason: 'cessationOfOperation' }], rolesDeleted: [] },
        },
      },
      { restore: true },
    );
    expect(restored).toBe(
      '8,RESTORED,alice,uid=alice,e-1,3,State: inactive -> active,Card C-1: inactive -> active,01: on hold -> valid,Employee,' +
        'Certificate 02 of Temporary card T-1 stays revoked (cessationOfOperation): re-issue the credential,' +
        '1 certificate(s) the run revoked stay revoked: re-issue the credential.\r\n',
    );
    const conflict = runItemCsvLine({ ...base, id: '9', outcome: 'FAILED', reason: 'Conflict: a role was granted after run #4; skipped, not overwritten.', changes: {} }, { restore: true });
    expect(conflict).toBe('9,CONFLICT,alice,uid=alice,e-1,3,,,,,,"Conflict: a role was granted after run #4; skipped, not overwritten."\r\n');
  });
});
