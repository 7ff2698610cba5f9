// RFC 9068 JWT access tokens: header typ "at+jwt" (§2.1, so a token of another kind, an ID token say,
// cannot be replayed as an access token), claims iss, exp, aud, sub, client_id, iat, jti (§2.2), and scope
// (§2.2.3); `cnf.jkt` for a token bound to a DPoP key (RFC 9449 §6.1), `cnf["x5t#S256"]` for one bound to a
// client certificate (RFC 8705 §3.1), both members in one `cnf` when bound both ways.
import { randomBytes } from 'node:crypto';
import { signCompact, type ExternalSigner } from './signer.js';

export interface AccessTokenInput {
  iss: string;
  sub: string;
  aud: string[];
  clientId: string;
  scope: string[];
  /** Extra claims; registered claims above cannot be overridden through them. */
  claims?: Record<string, unknown>;
  /** Seconds since the epoch. */
  iat: number;
  lifetimeSeconds: number;
  jti?: string;
  /** The thumbprint of the DPoP key the token is bound to (`cnf.jkt`). */
  dpopJkt?: string;
  /** The RFC 8705 §3.1 thumbprint of the client certificate the token is bound to (`cnf["x5t#S256"]`). */
  certificateThumbprint?: string;
}

export function newJti(): string {
  return randomBytes(16).toString('base64url');
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  exp: number;
}

export async function signAccessToken(
  signer: ExternalSigner,
  input: AccessTokenInput,
): Promise<SignedAccessToken> {
  const jti = input.jti ?? newJti();
  const exp = input.iat + input.lifetimeSeconds;
  const payload: Record<string, unknown> = {
    ...input.claims,
    iss: input.iss,
    sub: input.sub,
    aud: input.aud.length === 1 ? input.aud[0] : input.aud,
    client_id: input.clientId,
    iat: input.iat,
    exp,
    jti,
  };
  if (input.scope.length > 0) payload.scope = input.scope.join(' ');
  else delete payload.scope;
  if (input.dpopJkt !== undefined || input.certificateThumbprint !== undefined) {
    // RFC 7800 §3.1: other confirmation members the grant's claims carry stay beside the bindings.
    const cnf = input.claims?.cnf;
    const other = cnf !== null && typeof cnf === 'object' && !Array.isArray(cnf) ? cnf : {};
    payload.cnf = {
      ...other,
      ...(input.certificateThumbprint === undefined ? {} : { 'x5t#S256': input.certificateThumbprint }),
      ...(input.dpopJkt === undefined ? {} : { jkt: input.dpopJkt }),
    };
  }
  const token = await signCompact(signer, { typ: 'at+jwt' }, payload);
  return { token, jti, exp };
}
