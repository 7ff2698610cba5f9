// Opaque refresh tokens: 256 bits from the CSPRNG, base64url. Only SHA-256 of a token is ever stored: the
// token has full entropy, so a fast unsalted hash is enough to make a stolen store useless for replay.
import { createHash, randomBytes } from 'node:crypto';

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function newFamilyId(): string {
  return randomBytes(16).toString('base64url');
}
