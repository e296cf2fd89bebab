import { describe, expect, it } from 'vitest';
import { smtpSettingsInput } from './smtp-settings';

const valid = { enabled: true, host: 'smtp.example.com', port: '587', security: 'STARTTLS', username: '', password: '', fromAddress: 'idm@example.com', recipients: 'ops@example.com', events: ['run.failed'] };

describe('smtpSettingsInput', () => {
  it('names the port range however the port is wrong', () => {
    expect(smtpSettingsInput.safeParse(valid).success).toBe(true);
    for (const port of ['abc', '25.5', '0', '', '70000']) {
      const parsed = smtpSettingsInput.safeParse({ ...valid, port });
      expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message]), port).toEqual([['port', 'A port from 1 to 65535.']]);
    }
  });
});
