// The `WWW-Authenticate` challenge: `Bearer ...` (RFC 6750 §3) or `DPoP ...` (RFC 9449 §7.1, which adds
// `algs`, the proof algorithms the resource server accepts). Parameter values are quoted-strings
// (RFC 9110 §5.6.4); error_description is restricted to %x20-21 / %x23-5B / %x5D-7E, so anything else is
// dropped rather than escaped, which also keeps attacker-influenced text out of the header.

const ORDER = ['realm', 'scope', 'error', 'error_description', 'algs'] as const;

export type AuthScheme = 'Bearer' | 'DPoP';

export function buildChallenge(
  params: Readonly<Record<string, string | undefined>>,
  scheme: AuthScheme = 'Bearer',
): string {
  const parts: string[] = [];
  for (const name of ORDER) {
    const value = params[name];
    if (value !== undefined && value !== '') parts.push(`${name}="${sanitize(value)}"`);
  }
  return parts.length ? `${scheme} ${parts.join(', ')}` : scheme;
}

function sanitize(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}
