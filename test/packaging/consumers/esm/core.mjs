import { createVerifier, InvalidTokenError, isJwtGuardError } from '@jwtguard/core';
import helpers from '../sign.cjs';

const { ISSUER, AUDIENCE, publicJwk, signToken, assert } = helpers;

const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: publicJwk });
const result = await verifier.verify(signToken({ scope: 'read:items' }));
assert(result.payload.sub === 'consumer', 'verified payload');
assert(result.scopes.join(' ') === 'read:items', 'scopes');
const refused = await verifier.verify(signToken({ aud: 'https://other.test' })).catch((err) => err);
assert(refused instanceof InvalidTokenError && isJwtGuardError(refused), 'wrong audience refused');
console.log('ok core');
