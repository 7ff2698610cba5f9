// X.509 certificates for mTLS tests (RFC 8705), built with node:crypto alone (no openssl binary, so the tests
// run wherever Node does): a CA, a server certificate for 127.0.0.1 and localhost, and client certificates,
// all ECDSA P-256 signed by the CA. Just enough DER (ITU-T X.690) for RFC 5280 certificates that Node's TLS
// accepts; each is checked with X509Certificate as it is made.
import {
  X509Certificate,
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';

export interface TestCertificate {
  /** PEM, for TLS options (`cert`, `ca`). */
  cert: string;
  /** PKCS#8 PEM private key, for TLS options (`key`). */
  key: string;
  /** The DER bytes: what Node's getPeerCertificate().raw and the RFC 9440 Client-Cert header carry. */
  der: Buffer;
  /** RFC 8705 §3.1 x5t#S256: base64url(SHA-256(DER)), what a bound token's cnf carries. */
  x5t: string;
  /** RFC 9440 §2.2 Client-Cert value: the DER as an RFC 8941 byte sequence, `:base64:`. */
  clientCertHeader: string;
}

export interface TestCertificates {
  ca: TestCertificate;
  /** For `https.createServer`: subjectAltName 127.0.0.1 and localhost, extended key usage serverAuth. */
  server: TestCertificate;
  /** A client certificate (CN client-one, clientAuth): the one tokens are bound to in the examples. */
  client: TestCertificate;
  /** A second client, also issued by the CA: valid, but not the one tokens are bound to. */
  otherClient: TestCertificate;
  /** One more client certificate from the same CA, with this common name. */
  issueClient(commonName: string): TestCertificate;
}

// DER: tag, length (short form below 128, else long form), content.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const explicit = (tagNumber: number, inner: Buffer): Buffer => tlv(0xa0 | tagNumber, inner);
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const bitString = (bytes: Buffer, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));

/** A non-negative INTEGER from big-endian bytes: leading zeros dropped, one added when the top bit is set. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** OBJECT IDENTIFIER: the first two arcs in one byte, the rest base-128 with continuation bits. */
function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime (RFC 5280 §4.1.2.5.1: YYMMDDHHMMSSZ, years up to 2049). */
function utcTime(date: Date): Buffer {
  const pad = (n: number) => String(n).padStart(2, '0');
  const text =
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const commonName = (cn: string): Buffer => sequence(set(sequence(oid('2.5.4.3'), utf8String(cn))));
const extension = (id: string, value: Buffer, critical = false): Buffer =>
  sequence(oid(id), ...(critical ? [booleanTrue()] : []), octetString(value));

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

interface Profile {
  cn: string;
  ca?: boolean;
  usage?: 'server' | 'client';
  /** subjectAltName: DNS names and IPv4 addresses. */
  dns?: string[];
  ips?: string[];
}

function extensionsFor(profile: Profile, subjectKey: Buffer, issuerKey: Buffer): Buffer {
  const list = [
    // basicConstraints (critical): cA for the CA, absent (false) otherwise.
    extension('2.5.29.19', profile.ca ? sequence(booleanTrue()) : sequence(), true),
    // keyUsage (critical): keyCertSign + cRLSign for the CA, digitalSignature for the leaves (ECDHE-ECDSA).
    extension(
      '2.5.29.15',
      profile.ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7),
      true,
    ),
    // subjectKeyIdentifier / authorityKeyIdentifier (RFC 5280 §4.2.1.1-2), so chains build unambiguously.
    extension('2.5.29.14', octetString(subjectKey)),
    extension('2.5.29.35', sequence(tlv(0x80, issuerKey))),
  ];
  if (profile.usage !== undefined) {
    list.push(extension('2.5.29.37', sequence(oid(profile.usage === 'server' ? SERVER_AUTH : CLIENT_AUTH))));
  }
  if (profile.dns !== undefined || profile.ips !== undefined) {
    const names = [
      ...(profile.dns ?? []).map((name) => tlv(0x82, Buffer.from(name, 'ascii'))),
      ...(profile.ips ?? []).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
    ];
    list.push(extension('2.5.29.17', sequence(...names)));
  }
  return explicit(3, sequence(...list));
}

const keyId = (spki: Buffer): Buffer => createHash('sha1').update(spki).digest();

function issue(
  profile: Profile,
  subjectKey: { publicKey: KeyObject; privateKey: KeyObject },
  issuer: { cn: string; publicKey: KeyObject; privateKey: KeyObject },
): { der: Buffer } {
  const spki = subjectKey.publicKey.export({ type: 'spki', format: 'der' });
  const issuerSpki = issuer.publicKey.export({ type: 'spki', format: 'der' });
  const now = Date.now();
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_WITH_SHA256,
    commonName(issuer.cn),
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    commonName(profile.cn),
    spki,
    extensionsFor(profile, keyId(spki), keyId(issuerSpki)),
  );
  // node:crypto signs ECDSA as a DER Ecdsa-Sig-Value, the form X.509 wants (RFC 5758 §3.2).
  const signature = sign('sha256', tbs, issuer.privateKey);
  return { der: sequence(tbs, ECDSA_WITH_SHA256, bitString(signature)) };
}

function finish(der: Buffer, privateKey: KeyObject): TestCertificate {
  const base64 = der.toString('base64');
  const cert = `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    der,
    x5t: createHash('sha256').update(der).digest('base64url'),
    clientCertHeader: `:${base64}:`,
  };
}

const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/**
 * A fresh CA with a server certificate (127.0.0.1, localhost) and two client certificates; valid from an hour
 * ago for a day. Synchronous, a few milliseconds: make one set per test file.
 *
 * @example
 * const certificates = createTestCertificates();
 * https.createServer({ key: certificates.server.key, cert: certificates.server.cert, requestCert: true,
 *   rejectUnauthorized: false }, app);
 */
export function createTestCertificates(): TestCertificates {
  const caKey = ecKey();
  const issuer = { cn: 'jwtguard mTLS test CA', ...caKey };
  const ca = finish(issue({ cn: issuer.cn, ca: true }, caKey, issuer).der, caKey.privateKey);
  const leaf = (profile: Profile): TestCertificate => {
    const key = ecKey();
    const made = finish(issue(profile, key, issuer).der, key.privateKey);
    // Each certificate must parse and carry the CA's signature, or the TLS failures below would mislead.
    if (!new X509Certificate(made.cert).verify(caKey.publicKey))
      throw new Error(`${profile.cn}: bad signature`);
    return made;
  };
  return {
    ca,
    server: leaf({ cn: 'localhost', usage: 'server', dns: ['localhost'], ips: ['127.0.0.1'] }),
    client: leaf({ cn: 'client-one', usage: 'client' }),
    otherClient: leaf({ cn: 'client-two', usage: 'client' }),
    issueClient: (commonName) => leaf({ cn: commonName, usage: 'client' }),
  };
}
