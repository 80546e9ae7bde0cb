import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys look like `bwk_<id>_<secret>`: the id finds the row, the secret is checked against its
 * SHA-256 in constant time. Secrets are 256 random bits, so a fast hash is enough (no password
 * stretching needed); the plaintext is shown once, at creation, and never stored or logged.
 */
export interface ParsedKey {
  readonly id: string;
  readonly secret: string;
}

const KEY_PATTERN = /^bwk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function generateKey(): { plaintext: string; id: string; secretSha256: string } {
  const id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { plaintext: `bwk_${id}_${secret}`, id, secretSha256: sha256(secret) };
}

export function parseKey(plaintext: string): ParsedKey | null {
  const match = KEY_PATTERN.exec(plaintext);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function secretMatches(secret: string, expectedSha256: string): boolean {
  const actual = Buffer.from(sha256(secret), 'hex');
  const expected = Buffer.from(expectedSha256, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
