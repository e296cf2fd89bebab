import { describe, expect, it } from 'vitest';
import { homePathFor, landingPathFor, PASSWORD_CHANGE_PATH, roleAllows } from './roles';

describe('roles', () => {
  it('an administrator may do what an operator may; an operator never what an administrator may', () => {
    expect(roleAllows('ADMINISTRATOR', 'ADMINISTRATOR')).toBe(true);
    expect(roleAllows('ADMINISTRATOR', 'OPERATOR')).toBe(true);
    expect(roleAllows('OPERATOR', 'OPERATOR')).toBe(true);
    expect(roleAllows('OPERATOR', 'ADMINISTRATOR')).toBe(false);
  });

  it('each role has its home', () => {
    expect(homePathFor('ADMINISTRATOR')).toBe('/admin');
    expect(homePathFor('OPERATOR')).toBe('/operator');
  });

  it('an account that must change its password lands on the password page, whatever its role', () => {
    expect(landingPathFor({ role: 'ADMINISTRATOR', mustChangePassword: true })).toBe(PASSWORD_CHANGE_PATH);
    expect(landingPathFor({ role: 'OPERATOR', mustChangePassword: true })).toBe(PASSWORD_CHANGE_PATH);
    expect(landingPathFor({ role: 'OPERATOR', mustChangePassword: false })).toBe('/operator');
  });
});
