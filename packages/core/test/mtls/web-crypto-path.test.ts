// On Bun, Deno and Workers the seam hashes with Web Crypto, which answers a promise: the certificate check
// then settles later, and the DPoP half of the step must still run after it and only after it. Jest runs on
// Node, so the step is driven here with the Web side's hash handed in, as the seam would hand it over.
import { createHash, randomBytes } from 'node:crypto';
import { compileDpop } from '../../src/dpop/options.js';
import { checkCertificateBinding } from '../../src/mtls/certificate-binding.js';
import { compileMtls, type CompiledMtls } from '../../src/mtls/options.js';
import { checkSenderConstraint } from '../../src/pipeline/sender-constraint-step.js';
import * as webPath from '../../src/runtime/web.js';
import type { AuthResult, ReplayStore, RequestContext } from '../../src/index.js';
import { makeDpopKey, makeProof } from '../support/dpop.js';
import { NOW_MS } from '../support/keys.js';

const certificate = new Uint8Array(randomBytes(600));
const other = new Uint8Array(randomBytes(600));
const x5t = createHash('sha256').update(certificate).digest('base64url');
const clock = (): number => NOW_MS;

const webMtls = (): CompiledMtls => ({
  ...(compileMtls(true) as CompiledMtls),
  thumbprint: webPath.sha256BytesBase64Url,
});

const result = (token: string, cnf: Record<string, unknown>): AuthResult => ({
  token,
  header: { alg: 'ES256' },
  payload: { cnf },
  scopes: [],
  issuer: 'https://issuer.test/',
});

const codeOf = (outcome: unknown): Promise<unknown> =>
  Promise.resolve(outcome).then(
    () => 'accepted',
    (error: { code?: string }) => error.code,
  );

test('the binding answers a promise with the Web side, and decides as the Node side does', async () => {
  const pending = checkCertificateBinding(webMtls(), x5t, { clientCertificate: certificate });
  expect(pending).toBeInstanceOf(Promise);
  expect(await codeOf(pending)).toBe('accepted');
  expect(await codeOf(checkCertificateBinding(webMtls(), x5t, { clientCertificate: other }))).toBe(
    'ERR_MTLS_CERTIFICATE_MISMATCH',
  );
  // Missing is known before any hashing: a synchronous refusal on both sides.
  expect(() => checkCertificateBinding(webMtls(), x5t, {})).toThrow(
    expect.objectContaining({ code: 'ERR_MTLS_CERTIFICATE_MISSING' }),
  );
});

test('DPoP runs after the asynchronous certificate check, and not at all when it fails', async () => {
  const client = await makeDpopKey('ES256');
  const used: string[] = [];
  const replayStore: ReplayStore = { markUsed: (id) => (used.push(id), true) };
  const dpop = compileDpop({ replayStore }, clock);
  const token = 'header.payload.signature';
  const context = async (clientCertificate: Uint8Array): Promise<RequestContext> => ({
    method: 'GET',
    url: '/items',
    origin: 'https://api.test',
    scheme: 'DPoP',
    headers: { dpop: await makeProof(client, { accessToken: token, claims: { iat: NOW_MS / 1000 } }) },
    clientCertificate,
  });
  const bound = result(token, { 'x5t#S256': x5t, jkt: client.jkt });

  const mismatch = checkSenderConstraint({ dpop, mtls: webMtls() }, bound, await context(other));
  expect(await codeOf(mismatch)).toBe('ERR_MTLS_CERTIFICATE_MISMATCH');
  expect(used).toEqual([]);

  const accepted = checkSenderConstraint({ dpop, mtls: webMtls() }, bound, await context(certificate));
  expect(accepted).toBeInstanceOf(Promise);
  expect(await codeOf(accepted)).toBe('accepted');
  expect(bound.dpop).toEqual({ jkt: client.jkt });
  expect(used).toHaveLength(1);
});
