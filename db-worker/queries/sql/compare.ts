/**
 * SQLite's sort order for values with the BINARY collation, in JavaScript: NULL < numbers < text < blobs; numbers
 * by value (integers and reals together), text by UTF-8 bytes (which is code point order, not JavaScript's UTF-16
 * order), blobs by bytes. Incremental maintenance sorts rows with it, and must agree with ORDER BY exactly.
 */
import type { SqlValue } from '../../sqlite/database';

const rank = (value: SqlValue) => {
  if (value === null) return 0;
  if (typeof value === 'number' || typeof value === 'bigint') return 1;
  if (typeof value === 'string') return 2;
  return 3;
};

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  // Mixed: compare as bigints when both are integral, else as numbers (SQLite compares an integer with a real
  // exactly; doubles near 2^63 are rare enough in keys to accept the rounding of Number()).
  if (typeof a === 'number' && Number.isInteger(a)) return compareNumbers(BigInt(a), b);
  if (typeof b === 'number' && Number.isInteger(b)) return compareNumbers(a, BigInt(b));
  return compareNumbers(Number(a), Number(b));
}

/** Code point order: UTF-16 units compared with surrogates lifted above the rest of the BMP. */
function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function compareSqlValues(a: SqlValue, b: SqlValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareNumbers(a as number | bigint, b as number | bigint);
    case 2:
      return compareText(a as string, b as string);
    default:
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}
