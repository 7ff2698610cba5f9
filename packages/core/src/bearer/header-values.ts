// Reading one header from any HeaderInput (Fetch `Headers`, a Node header record, or Node's `rawHeaders`),
// keeping repeated fields apart where the input allows it: token extraction needs to see a second
// Authorization header, and `validate` hooks get the request's headers in whichever form the framework has.
import type { HeaderInput } from '../types.js';

/**
 * Every value of header `name` (case-insensitive), in order. Fetch `Headers` have already joined repeated
 * fields with ", ", so they yield at most one value.
 *
 * @example
 * // In a `validate` hook: bind the token to the client certificate a TLS-terminating proxy reports.
 * const [thumbprint] = headerValues(context.headers ?? {}, 'x-client-cert-thumbprint');
 * if (thumbprint !== result.payload.cnf_x5t) throw new InvalidTokenError('ERR_JWT_VALIDATION_FAILED', 'Wrong client');
 */
export function headerValues(headers: HeaderInput, name: string): string[] {
  const wanted = name.toLowerCase();
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    const value = headers.get(wanted);
    return value === null ? [] : [value];
  }
  if (Array.isArray(headers)) {
    // Node's rawHeaders: [name, value, name, value, ...] as received. Only names of the right length are
    // lower-cased, so a request does not copy every header name it carries.
    const values: string[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const key = String(headers[i]);
      if (key.length === wanted.length && key.toLowerCase() === wanted) values.push(String(headers[i + 1]));
    }
    return values;
  }
  if (typeof (headers as { get?: unknown }).get === 'function' && !isPlainRecord(headers)) {
    // A Headers-like object from another realm (a test VM, a polyfill).
    const value = (headers as unknown as Headers).get(wanted);
    return value === null || value === undefined ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(
    headers as Readonly<Record<string, string | readonly string[] | undefined>>,
  )) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else for (const item of value) values.push(item);
  }
  return values;
}

function isPlainRecord(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
