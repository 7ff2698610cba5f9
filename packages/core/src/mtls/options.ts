// The `mtls` option compiled once, at construction (RFC 8705 §3 on the resource server side). The one
// setting is where a certificate may come from besides the TLS connection itself: the RFC 9440 `Client-Cert`
// header of a proxy named by address. Naming the proxy is the point: the header is plain text any client can
// send, so believing it from an unnamed peer would let anyone claim any certificate.
import { assertKnownOptions } from '../config/option-names.js';
import { ConfigurationError } from '../errors.js';
import { sha256BytesBase64Url } from '../runtime/crypto-runtime.js';
import type { MtlsOptions } from '../types.js';

export interface CompiledMtls {
  /**
   * Every spelling of a trusted proxy's address a runtime may report as `clientAddress` (an IPv4 address
   * also as IPv4-mapped IPv6, which a dual-stack listener reports); undefined when no proxy is trusted.
   */
  trustedProxies: ReadonlySet<string> | undefined;
  /**
   * base64url(SHA-256(DER)), RFC 8705 §3.1: the runtime seam's, held here so the tests can run the binding
   * with either side's (Web Crypto answers a promise, node:crypto a string).
   */
  thumbprint: (der: Uint8Array) => string | Promise<string>;
}

const OPTION_NAMES = { trustedProxy: true } satisfies Record<keyof MtlsOptions, true>;
const PROXY_OPTION_NAMES = { addresses: true } satisfies Record<
  keyof NonNullable<MtlsOptions['trustedProxy']>,
  true
>;

// Dotted-quad without leading zeros: `010.0.0.1` would be octal to some parsers and decimal to others.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const IPV6_CHARACTERS = /^[0-9A-Fa-f:.]+$/;
const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

export function compileMtls(option: boolean | MtlsOptions | undefined): CompiledMtls | undefined {
  if (option === undefined || option === false) return undefined;
  const options: MtlsOptions = option === true ? {} : option;
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError("mtls must be true or { trustedProxy: { addresses: ['10.0.0.5'] } }");
  }
  assertKnownOptions('createVerifier(): mtls', options, Object.keys(OPTION_NAMES));
  const proxy = options.trustedProxy;
  if (proxy === undefined) return { trustedProxies: undefined, thumbprint: sha256BytesBase64Url };
  if (proxy === null || typeof proxy !== 'object') {
    throw new ConfigurationError("mtls.trustedProxy must be { addresses: ['10.0.0.5'] }");
  }
  assertKnownOptions('createVerifier(): mtls.trustedProxy', proxy, Object.keys(PROXY_OPTION_NAMES));
  const { addresses } = proxy;
  if (!Array.isArray(addresses) || addresses.length === 0) {
    throw new ConfigurationError(
      "mtls.trustedProxy.addresses must list the proxy's IP address(es) as this server sees them, e.g. ['10.0.0.5']",
    );
  }
  return { trustedProxies: new Set(addresses.flatMap(addressForms)), thumbprint: sha256BytesBase64Url };
}

/** The forms of one configured address a peer address is compared with, exactly. */
function addressForms(address: unknown, index: number): string[] {
  if (typeof address === 'string') {
    if (IPV4.test(address)) return [address, `::ffff:${address}`];
    // IPv6 in its canonical text (RFC 5952: lower case, zeros compressed), which is how runtimes report a
    // peer; the WHATWG URL host parser canonicalises it without any runtime-specific module.
    if (address.includes(':') && IPV6_CHARACTERS.test(address)) {
      let host: string | undefined;
      try {
        host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
      } catch {
        host = undefined;
      }
      if (host !== undefined) {
        const mapped = MAPPED.exec(host);
        if (mapped === null) return [host];
        const high = parseInt(mapped[1] as string, 16);
        const low = parseInt(mapped[2] as string, 16);
        const ipv4 = `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
        return [ipv4, `::ffff:${ipv4}`, host];
      }
    }
  }
  throw new ConfigurationError(
    `mtls.trustedProxy.addresses[${index}] must be an IP address such as "10.0.0.5" or "::1" (the proxy's address as this server sees it; no names, ranges or ports); got ${JSON.stringify(address)}`,
  );
}
