/**
 * Resource quantities as the manager reads them (facts §4.2): `mem` and shmem are bytes and accept
 * binary-size strings (k/m/g/t/p/e = powers of 1024, optional b/bytes/ib endings, `_` allowed,
 * case-insensitive: `128g` = `128GiB` = `128GB`); count slots (`cpu`, `cuda.shares`) are decimals.
 */

const BINARY_EXP: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/**
 * Parse a byte size: a non-negative integer byte count, or a size string like `128g`, `4GiB`,
 * `512 MB`, `1.5g`. Returns undefined when the value is not a size. Fractional byte counts
 * (after scaling) are rejected, as the manager does.
 */
export function parseBinarySize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtpe]?)(?:i?b(?:ytes?)?|ibytes?|bytes?)?\s*$/i.exec(value.replace(/_/g, ''));
  if (!m) return undefined;
  const exp = BINARY_EXP[m[2]!.toLowerCase()];
  if (exp === undefined) return undefined;
  const bytes = Number(m[1]) * 1024 ** exp;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `137438953472` → `128g` (exact binary units when possible, else bytes). */
export function formatBinarySize(bytes: number): string {
  const units = ['', 'k', 'm', 'g', 't', 'p'];
  let value = bytes;
  let i = 0;
  while (i < units.length - 1 && value >= 1024 && value % 1024 === 0) {
    value /= 1024;
    i++;
  }
  return `${value}${units[i]}`;
}

/** Human display: `128 GiB`, `1.5 GiB`, `512 MiB`. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (i < units.length - 1 && value >= 1024) {
    value /= 1024;
    i++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
  return `${text} ${units[i]}`;
}

/** A count-slot quantity (`"5"`, `5`, `"2.50"`) as a number; undefined if not numeric. */
export function parseDecimal(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Slot types as `GET /config/resource-slots` reports them. */
export type SlotType = 'count' | 'bytes' | 'unique' | 'unified';

/** Normalise a slot value to a number for arithmetic: bytes for `bytes` slots, decimals otherwise. */
export function slotValueToNumber(slotType: SlotType | undefined, value: unknown): number | undefined {
  return slotType === 'bytes' ? parseBinarySize(value) : parseDecimal(value);
}
