import { describe, expect, it } from 'vitest';
import { textArrayLiteral } from './text-array';

describe('textArrayLiteral', () => {
  it('quotes every element, escapes quotes and backslashes, and writes NULL only for null', () => {
    expect(textArrayLiteral([])).toBe('{}');
    expect(textArrayLiteral(['a', null, '', 'NULL', ' x ', 'a,b{c}'])).toBe('{"a",NULL,"","NULL"," x ","a,b{c}"}');
    expect(textArrayLiteral(['say "hi"', 'C:\\dir', 'Müller, Jürgen'])).toBe('{"say \\"hi\\"","C:\\\\dir","Müller, Jürgen"}');
  });
});
