// One contract for every Denylist store (core's memory store, @jwtguard/redis in replica and direct mode):
// the revocation rule of packages/core/src/revocation/revocation-rule.ts observed through each store's
// revoke calls and isRevoked, on an injected clock, so a store that passes here refuses exactly the tokens
// another one refuses, for exactly as long. Each store's own test file calls `describeDenylist` and keeps
// only what is particular to its storage.
import type { AuthResult, Denylist, JwtPayload } from '@jwtguard/core';

export const ISS = 'https://issuer.contract.test/';
export const OTHER_ISS = 'https://other.contract.test/';

/** The revoke calls every store has; a store answers them synchronously or with a Promise. */
export interface RevocationStore extends Denylist {
  revoke(entry: { iss?: string; jti: string; exp: number }): void | Promise<void>;
  revokeToken(token: AuthResult | string): Promise<void>;
  revokeSubject(entry: { iss: string; sub: string; before?: number }): void | Promise<void>;
}

export interface DenylistOpenOptions {
  clock: () => number;
  clockTolerance: number;
  maxTokenLifetime: string;
}

export interface DenylistSubject {
  /** A new store with nothing revoked in it, on the injected clock and with these lifetimes. */
  open(options: DenylistOpenOptions): RevocationStore | Promise<RevocationStore>;
  /**
   * What the store can be told (default: everything). A store fed by the issuer's revocation feed learns
   * only what a SET can carry (docs/revocation-feed.md: a token's iss, jti and exp, a subject cutoff), so the
   * cases of revocations it can never receive are not its contract; every other case is.
   */
  carries?: {
    /** A token without `jti`, revoked by the hash of its signing input. */
    tokensWithoutJti?: boolean;
    /** A token without `exp`. */
    tokensWithoutExp?: boolean;
    /** A `jti` revoked without `iss`, for every issuer. */
    anyIssuer?: boolean;
  };
}

const TOLERANCE_S = 5;
const LIFETIME_MS = 3_600_000; // maxTokenLifetime '1h'

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A verified-looking result: stores read only token, payload and issuer. */
export function tokenOf(payload: JwtPayload, signature = 'c2ln'): AuthResult {
  const header = { alg: 'HS256', typ: 'JWT' };
  return {
    token: `${b64(header)}.${b64(payload)}.${signature}`,
    header,
    payload,
    scopes: [],
    issuer: typeof payload.iss === 'string' ? payload.iss : '',
  };
}

/** Whether a call was refused, whether it throws or rejects (stores answer either way). */
async function refusal(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

export function describeDenylist(subject: DenylistSubject): void {
  const carries = { tokensWithoutJti: true, tokensWithoutExp: true, anyIssuer: true, ...subject.carries };
  /** A case about a revocation the store can be told; a store that cannot be told it has no such case. */
  const testIf = (applies: boolean, name: string, fn: () => Promise<void>) => {
    if (applies) test(name, fn);
  };
  /** A store on a clock at a whole second of the real time (Redis TTLs are set relative to it). */
  async function fixture() {
    let now = Math.floor(Date.now() / 1000) * 1000;
    const store = await subject.open({
      clock: () => now,
      clockTolerance: TOLERANCE_S,
      maxTokenLifetime: '1h',
    });
    const seconds = () => now / 1000;
    /** A token of ISS issued now, expiring in ten minutes, with these claims on top. */
    const token = (claims: JwtPayload = {}, signature?: string) =>
      tokenOf({ iss: ISS, iat: seconds(), exp: seconds() + 600, ...claims }, signature);
    const revoked = async (result: AuthResult) => store.isRevoked(result);
    return {
      store,
      seconds,
      token,
      revoked,
      at: (ms: number) => void (now = ms),
      advance: (ms: number) => void (now += ms),
      now: () => now,
    };
  }

  describe('revoke by jti', () => {
    test('with iss: that jti from that issuer only', async () => {
      const { store, seconds, token, revoked } = await fixture();
      await store.revoke({ iss: ISS, jti: 'a', exp: seconds() + 60 });
      expect(await revoked(token({ jti: 'a' }))).toBe(true);
      expect(await revoked(token({ jti: 'a' }, 'b3RoZXI'))).toBe(true); // any signature: the jti decides
      expect(await revoked(token({ jti: 'b' }))).toBe(false);
      expect(await revoked(token({ jti: 'a', iss: OTHER_ISS }))).toBe(false);
    });

    testIf(
      carries.anyIssuer,
      'without iss: that jti from every issuer, even past an expired entry of one issuer',
      async () => {
        const { store, seconds, token, revoked, advance } = await fixture();
        await store.revoke({ jti: 'everywhere', exp: seconds() + 600 });
        expect(await revoked(token({ jti: 'everywhere' }))).toBe(true);
        expect(await revoked(token({ jti: 'everywhere', iss: OTHER_ISS }))).toBe(true);
        await store.revoke({ iss: ISS, jti: 'everywhere', exp: seconds() + 60 });
        advance(120_000); // the entry of ISS has expired; the one for every issuer has not
        expect(await revoked(token({ jti: 'everywhere' }))).toBe(true);
      },
    );

    test('refuses a missing jti, a non-numeric exp and an empty iss', async () => {
      const { store, seconds } = await fixture();
      for (const entry of [
        { jti: '', exp: seconds() + 60 },
        { jti: 'a', exp: Infinity },
        { jti: 'a', exp: '1' as unknown as number },
        { iss: '', jti: 'a', exp: seconds() + 60 },
      ]) {
        expect(await refusal(() => store.revoke(entry))).toBeInstanceOf(TypeError);
      }
    });
  });

  describe('revokeToken', () => {
    test('by jti, from a token string or a result', async () => {
      const { store, token, revoked } = await fixture();
      await store.revokeToken(token({ jti: 'j1' }).token);
      await store.revokeToken(token({ jti: 'j2' }));
      expect(await revoked(token({ jti: 'j1', sub: 'other claims' }, 'b3RoZXI'))).toBe(true);
      expect(await revoked(token({ jti: 'j2' }))).toBe(true);
      expect(await revoked(token({ jti: 'j3' }))).toBe(false);
    });

    testIf(
      carries.tokensWithoutJti,
      'a token without jti: by the hash of its signing input, that token only',
      async () => {
        const { store, seconds, token, revoked } = await fixture();
        const noJti = token({ sub: 'alice' });
        await store.revokeToken(noJti);
        expect(await revoked(noJti)).toBe(true);
        // The hash covers header.payload: the same claims with another signature are still refused...
        const resigned = { ...noJti, token: `${noJti.token.slice(0, noJti.token.lastIndexOf('.'))}.eHl6` };
        expect(await revoked(resigned)).toBe(true);
        // ...other claims are not.
        expect(await revoked(token({ sub: 'alice', exp: seconds() + 601 }))).toBe(false);
        const fromString = token({ sub: 'bob' });
        await store.revokeToken(fromString.token);
        expect(await revoked(fromString)).toBe(true);
      },
    );

    test('a string the verifier could not accept is refused with a TypeError', async () => {
      const { store, token } = await fixture();
      const valid = token({ jti: 'x' }).token;
      for (const bad of ['not-a-jwt', `${valid}=`, valid.replace('.', '.='), 'a.b.c.d.e']) {
        expect(await refusal(() => store.revokeToken(bad))).toBeInstanceOf(TypeError);
      }
      // A duplicate member name: readers disagree on which jti it names, so it is refused, not guessed.
      const duplicate = `${b64({ alg: 'HS256' })}.${Buffer.from(`{"iss":"${ISS}","jti":"a","jti":"b"}`).toString('base64url')}.c2ln`;
      expect(await refusal(() => store.revokeToken(duplicate))).toBeInstanceOf(TypeError);
    });

    test('a token without iss is refused (TypeError), as a string and as a result; so is the reserved iss', async () => {
      const { store, seconds, revoked } = await fixture();
      const noIss = tokenOf({ jti: 'no-iss', exp: seconds() + 600 });
      for (const target of [noIss, noIss.token]) {
        const error = await refusal(() => store.revokeToken(target));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/no iss; use revoke\(\{ jti, exp \}\)/);
      }
      // Nothing was filed for any issuer.
      expect(await revoked(tokenOf({ iss: ISS, jti: 'no-iss', exp: seconds() + 600 }))).toBe(false);
      const reserved = tokenOf({ iss: '\u0000*', jti: 'victim', exp: seconds() + 600 });
      expect(await refusal(() => store.revokeToken(reserved.token))).toBeInstanceOf(TypeError);
      expect(await revoked(tokenOf({ iss: ISS, jti: 'victim', exp: seconds() + 600 }))).toBe(false);
    });
  });

  describe('subject cutoff', () => {
    test('refuses tokens issued strictly before the cutoff, not at or after it; a token without iat is refused', async () => {
      const { store, seconds, token, revoked } = await fixture();
      const before = seconds() - 10;
      await store.revokeSubject({ iss: ISS, sub: 'alice', before });
      expect(await revoked(token({ sub: 'alice', iat: before - 1 }))).toBe(true);
      expect(await revoked(token({ sub: 'alice', iat: before }))).toBe(false);
      expect(await revoked(token({ sub: 'alice', iat: before + 1 }))).toBe(false);
      expect(await revoked(token({ sub: 'alice', iat: undefined }))).toBe(true); // cannot prove it is newer
      expect(await revoked(token({ sub: 'alice', iat: 'yesterday' as unknown as number }))).toBe(true);
      expect(await revoked(token({ sub: 'bob', iat: before - 1 }))).toBe(false);
      expect(await revoked(token({ sub: 'alice', iat: before - 1, iss: OTHER_ISS }))).toBe(false);
      // A cutoff applies whatever the token's jti (or lack of one).
      expect(await revoked(token({ sub: 'alice', iat: before - 1, jti: 'some-jti' }))).toBe(true);
    });

    test('defaults the cutoff to now, fractional: a token of this same second is refused, one of the next is not', async () => {
      const { store, seconds, token, revoked, advance } = await fixture();
      advance(500); // mid-second
      await store.revokeSubject({ iss: ISS, sub: 'carol' });
      expect(await revoked(token({ sub: 'carol', iat: Math.floor(seconds()) }))).toBe(true);
      expect(await revoked(token({ sub: 'carol', iat: Math.ceil(seconds()) }))).toBe(false);
    });

    test('a later revokeSubject with an earlier cutoff never weakens the stored one', async () => {
      const { store, seconds, token, revoked } = await fixture();
      const before = seconds();
      await store.revokeSubject({ iss: ISS, sub: 'alice', before });
      await store.revokeSubject({ iss: ISS, sub: 'alice', before: before - 100 });
      expect(await revoked(token({ sub: 'alice', iat: before - 50 }))).toBe(true);
    });

    test('refuses a missing iss or sub and a non-numeric before: a sub is unique only within its issuer', async () => {
      const { store } = await fixture();
      for (const entry of [
        { sub: 'alice' } as { iss: string; sub: string },
        { iss: '', sub: 'alice' },
        { iss: ISS, sub: '' },
        { iss: ISS, sub: 'alice', before: Number.NaN },
      ]) {
        expect(await refusal(() => store.revokeSubject(entry))).toBeInstanceOf(TypeError);
      }
    });
  });

  describe('how long entries live', () => {
    test('a token entry until exp + clockTolerance', async () => {
      const { store, seconds, token, revoked, at } = await fixture();
      const exp = seconds() + 60;
      const hashed = token({ exp, sub: 'hashed' });
      await store.revoke({ iss: ISS, jti: 'soon', exp });
      if (carries.tokensWithoutJti) await store.revokeToken(hashed);
      at(exp * 1000 + TOLERANCE_S * 1000 - 1);
      expect(await revoked(token({ jti: 'soon' }))).toBe(true);
      if (carries.tokensWithoutJti) expect(await revoked(hashed)).toBe(true);
      at(exp * 1000 + TOLERANCE_S * 1000);
      expect(await revoked(token({ jti: 'soon' }))).toBe(false);
      expect(await revoked(hashed)).toBe(false);
    });

    test('a revocation whose token has already expired (past the tolerance) refuses nothing', async () => {
      const { store, seconds, token, revoked } = await fixture();
      await store.revoke({ iss: ISS, jti: 'old', exp: seconds() - TOLERANCE_S - 1 });
      expect(await revoked(token({ jti: 'old' }))).toBe(false);
    });

    test('a later revoke with an earlier exp never shortens the stored entry', async () => {
      const { store, seconds, token, revoked, advance } = await fixture();
      await store.revoke({ iss: ISS, jti: 'kept', exp: seconds() + 600 });
      await store.revoke({ iss: ISS, jti: 'kept', exp: seconds() + 10 });
      advance(60_000);
      expect(await revoked(token({ jti: 'kept' }))).toBe(true);
    });

    testIf(
      carries.tokensWithoutExp,
      'a token without exp: kept for maxTokenLifetime + clockTolerance from the revocation, then dropped',
      async () => {
        const { store, token, revoked, now, at } = await fixture();
        const withJti = token({ jti: 'no-exp', exp: undefined });
        const hashed = token({ sub: 'no-exp', exp: undefined });
        const revokedAt = now();
        await store.revokeToken(withJti.token);
        await store.revokeToken(hashed);
        const end = revokedAt + LIFETIME_MS + TOLERANCE_S * 1000;
        at(end - 1);
        expect(await revoked(withJti)).toBe(true);
        expect(await revoked(hashed)).toBe(true);
        at(end);
        expect(await revoked(withJti)).toBe(false);
        expect(await revoked(hashed)).toBe(false);
      },
    );

    test('a subject cutoff until before + maxTokenLifetime + clockTolerance', async () => {
      const { store, seconds, token, revoked, at } = await fixture();
      const before = seconds();
      await store.revokeSubject({ iss: ISS, sub: 'alice', before });
      const old = token({ sub: 'alice', iat: before - 1, exp: undefined });
      const end = before * 1000 + LIFETIME_MS + TOLERANCE_S * 1000;
      at(end - 1);
      expect(await revoked(old)).toBe(true);
      at(end);
      expect(await revoked(old)).toBe(false);
    });
  });

  test('issuers are isolated: a revocation for one issuer never refuses the same jti, token or subject of another', async () => {
    const { store, seconds, token, revoked } = await fixture();
    await store.revoke({ iss: ISS, jti: 'shared-jti', exp: seconds() + 600 });
    await store.revokeSubject({ iss: ISS, sub: 'shared-sub' });
    const hashed = token({ sub: 'hashed' });
    if (carries.tokensWithoutJti) await store.revokeToken(hashed);
    expect(await revoked(token({ iss: OTHER_ISS, jti: 'shared-jti' }))).toBe(false);
    expect(await revoked(token({ iss: OTHER_ISS, sub: 'shared-sub', iat: seconds() - 10 }))).toBe(false);
    // The same signing input presented as another issuer's token (its id is the hash, its issuer another).
    expect(await revoked({ ...hashed, issuer: OTHER_ISS })).toBe(false);
    if (carries.tokensWithoutJti) expect(await revoked(hashed)).toBe(true);
    // ...while the issuer's own tokens are refused.
    expect(await revoked(token({ jti: 'shared-jti' }))).toBe(true);
    expect(await revoked(token({ sub: 'shared-sub', iat: seconds() - 10 }))).toBe(true);
  });
}
