import { describe, expect, it } from 'vitest';
import { decodeUrlComponent, decodeUtf8, findTextProblem, isAcceptableText, textProblem } from './acceptable-text';

describe('textProblem', () => {
  it.each([
    ['', null],
    ['plain', null],
    ['tab\tnew line\ncarriage return\r', null],
    ['(&(uid=*)(pwdAccountLockedTime=*))', null],
    ["'; DROP TABLE users; --", null],
    ['王伟 Иван محمد ٠٢ ０ ²', null],
    ['emoji 😀 (a surrogate pair)', null],
    ['\u00a0\u3000\u200b\ufeff', null],
    ['\ufffd', null],
  ])('accepts %j', (value, expected) => {
    expect(textProblem(value)).toBe(expected);
    expect(isAcceptableText(value)).toBe(true);
  });

  it.each([
    ['\u0000', 'nul'],
    ['\u0000abc', 'nul'],
    ['ab\u0000c', 'nul'],
    ['abc\u0000', 'nul'],
    ['a\u0001b', 'control_character'],
    ['\u0008', 'control_character'],
    ['\u000b', 'control_character'],
    ['\u000c', 'control_character'],
    ['\u001b[31m', 'control_character'],
    ['\u007f', 'control_character'],
    ['\ud800', 'lone_surrogate'],
    ['a\udbffb', 'lone_surrogate'],
    ['\udc00', 'lone_surrogate'],
    ['x\udfff', 'lone_surrogate'],
    ['\ude00\ud83d', 'lone_surrogate'],
    // NUL wins over the rest: the message names the worst.
    ['\u0001\u0000\ud800', 'nul'],
  ])('refuses %j as %s', (value, expected) => {
    expect(textProblem(value)).toBe(expected);
    expect(isAcceptableText(value)).toBe(false);
  });
});

describe('findTextProblem', () => {
  it('finds the first unacceptable value or key with its path, through arrays and objects', () => {
    expect(findTextProblem({ a: 'ok', b: [1, true, null, 'x'] })).toBeNull();
    expect(findTextProblem({ expression: '0 2 * * *\u0000' })).toEqual({ path: 'expression', problem: 'nul' });
    expect(findTextProblem({ items: [{ name: 'a' }, { name: 'b' }, { name: 'c\u0007' }] })).toEqual({ path: 'items.2.name', problem: 'control_character' });
    expect(findTextProblem({ ['k\u0000']: 'v' })).toEqual({ path: 'k\u0000', problem: 'nul' });
    expect(findTextProblem(['\ud800'])).toEqual({ path: '0', problem: 'lone_surrogate' });
    expect(findTextProblem(JSON.parse('{"__proto__": {"x": "\\u0000"}}'))).toEqual({ path: '__proto__.x', problem: 'nul' });
    expect(findTextProblem(42)).toBeNull();
  });
});

describe('decodeUrlComponent', () => {
  it.each([
    ['abc', 'abc'],
    ['%2e%2E', '..'],
    ['%252e', '%2e'], // double encoding decodes once only
    ['%25', '%'],
    ['%00', '\u0000'], // well-formed: textProblem refuses it afterwards
    ['%C3%A9', 'é'],
    ['%F0%9F%98%80', '😀'],
    ['%E2%80%AE', '\u202e'],
  ])('decodes %j', (raw, decoded) => {
    expect(decodeUrlComponent(raw)).toBe(decoded);
  });

  it.each([
    '%',
    '%2',
    '%ZZ',
    'abc%',
    '%C0%AE', // overlong "."
    '%C0%AF', // overlong "/"
    '%E0%80%AE', // overlong "." in three bytes
    '%C0%80', // overlong NUL
    '%ED%A0%80', // a surrogate encoded as UTF-8
    '%FF',
    '%C3', // truncated
    '%80',
  ])('answers null for %j instead of throwing', (raw) => {
    expect(decodeUrlComponent(raw)).toBeNull();
  });
});

describe('decodeUtf8', () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  it('decodes well-formed UTF-8, with a NUL left for textProblem', () => {
    expect(decodeUtf8(new TextEncoder().encode('王 😀'))).toBe('王 😀');
    expect(decodeUtf8(bytes(0x61, 0x00, 0x62))).toBe('a\u0000b');
  });
  it.each([
    ['overlong "."', [0xc0, 0xae]],
    ['overlong NUL', [0xc0, 0x80]],
    ['overlong in three bytes', [0xe0, 0x80, 0xae]],
    ['a UTF-8-encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe4, 0xb8]],
    ['0xFF', [0xff]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('refuses %s', (_what, b) => {
    expect(decodeUtf8(bytes(...b))).toBeNull();
  });
});
