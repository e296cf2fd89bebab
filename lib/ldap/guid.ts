/**
 * Active Directory's objectGUID is 16 bytes whose first three fields are little-endian; the
 * canonical form (as shown by AD tools) reverses them: 3F2504E0-4F89-11D3-9A0C-0305E82C3301.
 */
export function objectGuidToString(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`objectGUID must be 16 bytes, got ${bytes.length}`);
  const hex = (b: Buffer) => b.toString('hex');
  const reversed = (start: number, end: number) => hex(Buffer.from(bytes.subarray(start, end)).reverse());
  return [reversed(0, 4), reversed(4, 6), reversed(6, 8), hex(bytes.subarray(8, 10)), hex(bytes.subarray(10, 16))].join('-').toLowerCase();
}

/** The bytes of a canonical GUID string, as objectGUID stores them (for filters). */
export function objectGuidToBytes(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`"${guid}" is not a GUID`);
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]);
}
