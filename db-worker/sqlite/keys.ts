/**
 * Key values as strings that compare the way SQLite compares a TEXT or INTEGER column with a value of the same
 * kind: 's:' + text, 'n:' + integer. Used for key pins (the values a query filters a column by) and for the key
 * values of changed rows that the watch triggers report. Other values get keys that no pin ever has: 'null',
 * 'r:' + a real, 'b:' + a blob's bytes in hex.
 */
export function keyOfValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s:${value}`;
    case 'bigint':
      return `n:${value}`;
    case 'number':
      return Number.isInteger(value) ? `n:${value}` : `r:${value}`;
    default:
      if (value instanceof Uint8Array) return `b:${[...value].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
      return 'null';
  }
}

/** The value of a text or integer key, for binding it back into SQL; undefined for other keys. */
export function valueOfKey(key: string): string | number | bigint | undefined {
  if (key.startsWith('s:')) return key.slice(2);
  if (key.startsWith('n:')) {
    const n = BigInt(key.slice(2));
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  return undefined;
}
