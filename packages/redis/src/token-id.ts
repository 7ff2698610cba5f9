// Synchronous form of core's revocationId: the replica answers isRevoked without a Promise, so the hash
// of a jti-less token is computed with node:crypto instead of Web Crypto. Same input (the JWS signing input
// `header.payload`), same digest (SHA-256, base64url), same `jti:` / `sha256:` ids as core/revocation.ts,
// so the memory and Redis stores revoke exactly the same tokens.
import { createHash } from 'node:crypto';
import type { AuthResult, JwtPayload } from '@jwtguard/core';

export type TokenLike = Pick<AuthResult, 'token' | 'payload' | 'issuer'>;

export function tokenRevocationId(result: TokenLike): string {
  const jti = result.payload.jti;
  if (typeof jti === 'string' && jti !== '') return `jti:${jti}`;
  const signingInput = result.token.slice(0, result.token.lastIndexOf('.'));
  return `sha256:${createHash('sha256').update(signingInput).digest('base64url')}`;
}

/**
 * Reads iss/jti/exp from a compact JWS without verifying it: revoking a token needs no proof that it is
 * valid (a forged token is refused by the verifier anyway; revoking it does no harm).
 */
export function unverifiedToken(token: string): TokenLike {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) {
    throw new TypeError('revokeToken: not a compact JWS (header.payload.signature)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    throw new TypeError('revokeToken: the token payload is not JSON');
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('revokeToken: the token payload is not a JSON object');
  }
  const claims = payload as JwtPayload;
  return { token, payload: claims, issuer: typeof claims.iss === 'string' ? claims.iss : '' };
}
