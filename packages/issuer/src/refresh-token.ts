// Opaque refresh tokens: 256 bits from the CSPRNG, base64url. Only SHA-256 of a token is ever stored: the
// token has full entropy, so a fast unsalted hash is enough to make a stolen store useless for replay.
import { createHash, randomBytes } from 'node:crypto';

/**
 * Far longer than the 43 characters of a token made here: anything longer is refused before it is hashed
 * or looked up, so an oversized input costs nothing.
 */
export const MAX_REFRESH_TOKEN_LENGTH = 512;

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function newFamilyId(): string {
  return randomBytes(16).toString('base64url');
}
