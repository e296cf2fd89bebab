import { describe, expect, it } from 'vitest';
import { csvField, csvLine, runItemCsvLine } from './run-items-csv';

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
});
