import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two secrets (hashed first, so lengths do not leak either). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
