// Just enough DER (ITU-T X.690) to read a PEM public key or certificate synchronously: its key type, curve
// and RSA modulus size. That lets createVerifier refuse a weak static key at construction, before any async
// Web Crypto import, and pick the import parameters. Private keys are refused by the caller.
import { unsignedBitLength } from './rsa-modulus.js';

export interface SpkiInfo {
  /** The DER SubjectPublicKeyInfo, as Web Crypto's `importKey('spki', ...)` takes it. */
  der: Uint8Array<ArrayBuffer>;
  kty: 'RSA' | 'EC' | 'OKP';
  crv: string | undefined;
  /** RSA only. */
  modulusBits: number | undefined;
  /** RSA only: whether the public exponent is 65537. */
  standardExponent: boolean | undefined;
}

interface Element {
  tag: number;
  /** Offset of the tag octet. */
  begin: number;
  start: number;
  end: number;
}

const OID_RSA = '2a864886f70d010101';
const OID_EC = '2a8648ce3d0201';
const CURVES: Readonly<Record<string, string>> = {
  '2a8648ce3d030107': 'P-256',
  '2b81040022': 'P-384',
  '2b81040023': 'P-521',
};
const OKP: Readonly<Record<string, string>> = { '2b6570': 'Ed25519', '2b6571': 'Ed448' };

/** Parse a `PUBLIC KEY` or `CERTIFICATE` PEM block; throws an Error with a human reason otherwise. */
export function readPemPublicKey(pem: string): SpkiInfo {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match) throw new Error('not a PEM block');
  const label = match[1] as string;
  const der = Uint8Array.from(atob((match[2] as string).replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  if (label === 'PUBLIC KEY') return readSpki(der);
  if (label === 'CERTIFICATE') return readSpki(certificateSpki(der));
  if (label.includes('PRIVATE'))
    throw new Error('a private key was given; pass the public key or certificate');
  throw new Error(`unsupported PEM type "${label}"; use "PUBLIC KEY" (SPKI) or "CERTIFICATE"`);
}

function element(der: Uint8Array, offset: number): Element {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, begin: offset, start, end };
}

function children(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let offset = parent.start; offset < parent.end;) {
    const child = element(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function hex(der: Uint8Array, el: Element): string {
  let out = '';
  for (let i = el.start; i < el.end; i++) out += (der[i] as number).toString(16).padStart(2, '0');
  return out;
}

/** RFC 5280 §4.1: Certificate → tbsCertificate → subjectPublicKeyInfo (the 7th field, after an optional [0] version). */
function certificateSpki(der: Uint8Array): Uint8Array {
  const tbs = children(der, element(der, 0))[0];
  if (!tbs) throw new Error('malformed certificate');
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[offset + 5];
  if (!spki) throw new Error('malformed certificate');
  return der.slice(spki.begin, spki.end);
}

function readSpki(der: Uint8Array): SpkiInfo {
  const root = element(der, 0);
  const [algorithm, bitString] = children(der, root);
  if (!algorithm || !bitString || bitString.tag !== 0x03) throw new Error('malformed SubjectPublicKeyInfo');
  const [oid, parameters] = children(der, algorithm);
  if (!oid) throw new Error('malformed SubjectPublicKeyInfo');
  const spki = der.slice(0, root.end);
  const oidHex = hex(der, oid);
  if (oidHex === OID_RSA) {
    // BIT STRING: one octet of unused bits, then RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
    const key = element(der, bitString.start + 1);
    const [modulus, exponent] = children(der, key);
    if (!modulus || !exponent) throw new Error('malformed RSA public key');
    const modulusBits = unsignedBitLength(der, modulus.start, modulus.end);
    return {
      der: spki,
      kty: 'RSA',
      crv: undefined,
      modulusBits,
      standardExponent: hex(der, exponent) === '010001',
    };
  }
  if (oidHex === OID_EC) {
    const crv = parameters && parameters.tag === 0x06 ? CURVES[hex(der, parameters)] : undefined;
    if (!crv) throw new Error('unsupported EC curve; use P-256, P-384 or P-521');
    return { der: spki, kty: 'EC', crv, modulusBits: undefined, standardExponent: undefined };
  }
  const okp = OKP[oidHex];
  if (okp) return { der: spki, kty: 'OKP', crv: okp, modulusBits: undefined, standardExponent: undefined };
  throw new Error('unsupported public key algorithm; use RSA, EC (P-256/384/521) or Ed25519/Ed448');
}
