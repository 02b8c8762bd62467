import { DomainError } from './errors';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Parses an SLA duration: "30m", "4h", "3d", "90s", "2w", or ISO-8601 like "PT4H", "P3D", "P1DT2H30M".
 * Returns milliseconds; throws a validation error naming `field` otherwise.
 */
export function parseDuration(value: string, field: string): number {
  const short = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  let ms: number | undefined;
  if (short) {
    ms = Number(short[1]) * UNIT_MS[short[2].toLowerCase() as keyof typeof UNIT_MS];
  } else {
    const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim());
    if (iso && /\d/.test(value) && !/T$/i.test(value.trim())) {
      const [, w, d, h, m, s] = iso.map((x) => (x === undefined ? 0 : Number(x)));
      ms = w * UNIT_MS.w + d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * 1000;
    }
  }
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new DomainError('validation_failed', `${field} must be a positive duration like "30m", "4h", "3d" or ISO-8601 "PT4H"`, { field });
  }
  return ms;
}
