import { InvalidRequestError, extractToken } from '../../src/index.js';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';

function invalidRequest(run: () => unknown): void {
  expect(run).toThrow(InvalidRequestError);
  expect(run).toThrow(expect.objectContaining({ status: 400, error: 'invalid_request' }));
}

describe('extractToken from the Authorization header (RFC 6750 §2.1)', () => {
  test('Bearer in any case, from a record, Fetch Headers or rawHeaders', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(extractToken({ authorization: `${scheme} ${TOKEN}` })).toBe(TOKEN);
    }
    expect(extractToken({ Authorization: `Bearer ${TOKEN}` })).toBe(TOKEN);
    expect(extractToken(new Headers({ authorization: `Bearer ${TOKEN}` }))).toBe(TOKEN);
    expect(extractToken(['Host', 'x', 'Authorization', `Bearer ${TOKEN}`])).toBe(TOKEN);
  });

  test('no header, an empty header, or another scheme means no token', () => {
    expect(extractToken({})).toBeUndefined();
    expect(extractToken({ authorization: '' })).toBeUndefined();
    expect(extractToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(extractToken({ authorization: 'DPoP abc' })).toBeUndefined();
    expect(extractToken(new Headers())).toBeUndefined();
  });

  test('two Authorization values in any input form are invalid_request', () => {
    invalidRequest(() =>
      extractToken(['Authorization', `Bearer ${TOKEN}`, 'authorization', `Bearer ${TOKEN}`]),
    );
    invalidRequest(() => extractToken({ authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }));
    const headers = new Headers();
    headers.append('authorization', `Bearer ${TOKEN}`);
    headers.append('authorization', 'Basic abc');
    invalidRequest(() => extractToken(headers));
    invalidRequest(() => extractToken({ authorization: `Bearer ${TOKEN}, Bearer ${TOKEN}` }));
    invalidRequest(() => extractToken({ authorization: `Bearer ${TOKEN}`, Authorization: 'Bearer other' }));
  });

  test('Bearer with no token, two tokens or a non-b64token is invalid_request', () => {
    for (const value of [
      'Bearer',
      'Bearer ',
      `Bearer ${TOKEN} extra`,
      'Bearer a"b',
      'Bearer =abc',
      'Bearer\tabc',
      '"Bearer" abc',
    ]) {
      invalidRequest(() => extractToken({ authorization: value }));
    }
  });

  test('b64token characters and trailing padding are allowed', () => {
    expect(extractToken({ authorization: 'Bearer a-b.c_d~e+f/g==' })).toBe('a-b.c_d~e+f/g==');
    expect(extractToken({ authorization: `  Bearer   ${TOKEN}  ` })).toBe(TOKEN);
  });
});

test('the hand-written credentials split answers exactly what the RFC grammar does (generated headers)', () => {
  // The grammar as regular expressions (RFC 9110 §11.4 credentials, RFC 6750 §2.1 b64token): the reference.
  const credentials = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: +(.*))?$/;
  const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;
  const reference = (header: string): string => {
    const value = header.trim();
    if (value === '') return 'none';
    if (value.includes(',')) return 'ambiguous';
    const match = credentials.exec(value);
    if (!match) return 'malformed';
    if ((match[1] as string).toLowerCase() !== 'bearer') return 'none';
    return match[2] !== undefined && b64token.test(match[2]) ? `token ${match[2]}` : 'not one token';
  };
  const actual = (header: string): string => {
    try {
      const token = extractToken({ authorization: header });
      return token === undefined ? 'none' : `token ${token}`;
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith('Malformed')) return 'malformed';
      if (message.startsWith('Request must carry')) return 'ambiguous';
      return 'not one token';
    }
  };
  const pieces = [
    'Bearer',
    'bearer',
    'Basic',
    'DPoP',
    'Be@rer',
    ' ',
    '  ',
    '\t',
    '\n',
    '\u2028',
    '\u00a0',
    'a.b.c',
    'x=',
    '=x',
    '~+/',
    ',',
    'é',
    '',
  ];
  let seed = 7;
  const pick = (): string => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return pieces[seed % pieces.length] as string;
  };
  for (let i = 0; i < 5000; i++) {
    const header = Array.from({ length: 1 + (i % 5) }, pick).join('');
    expect([header, actual(header)]).toEqual([header, reference(header)]);
  }
});

describe('cookie, query parameter and custom getter', () => {
  test('cookie is opt-in by name', () => {
    const headers = { cookie: `theme=dark; access_token=${TOKEN}; other=1` };
    expect(extractToken(headers)).toBeUndefined();
    expect(extractToken(headers, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie: `access_token="${TOKEN}"` }, { cookie: 'access_token' })).toBe(TOKEN);
    expect(extractToken({ cookie: 'x=1' }, { cookie: 'access_token' })).toBeUndefined();
  });

  test('a token in both header and cookie, or two cookies of that name, is invalid_request', () => {
    invalidRequest(() =>
      extractToken(
        { authorization: `Bearer ${TOKEN}`, cookie: `access_token=${TOKEN}` },
        { cookie: 'access_token' },
      ),
    );
    invalidRequest(() =>
      extractToken({ cookie: `access_token=a; access_token=b` }, { cookie: 'access_token' }),
    );
  });

  test('query parameter is off by default and opt-in by name', () => {
    const url = `/items?access_token=${TOKEN}`;
    expect(extractToken({}, { url })).toBeUndefined();
    expect(extractToken({}, { url, queryParameter: 'access_token' })).toBe(TOKEN);
    invalidRequest(() =>
      extractToken({ authorization: `Bearer ${TOKEN}` }, { url, queryParameter: 'access_token' }),
    );
    invalidRequest(() => extractToken({}, { url: `${url}&access_token=x`, queryParameter: 'access_token' }));
  });

  test('a custom getter replaces the built-in lookup', () => {
    const getter = (headers: unknown) => (headers as Record<string, string>)['x-api-token'];
    expect(extractToken({ 'x-api-token': TOKEN, authorization: 'Bearer other' }, { getter })).toBe(TOKEN);
    expect(extractToken({ authorization: `Bearer ${TOKEN}` }, { getter })).toBeUndefined();
    expect(extractToken({ 'x-api-token': '' }, { getter })).toBeUndefined();
  });
});
