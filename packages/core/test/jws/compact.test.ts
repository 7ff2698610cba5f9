import { decodeSegment, splitCompact } from '../../src/jws/compact.js';
import { parseJsonObject } from '../../src/jws/strict-json.js';
import { b64url } from '../support/forge.js';

const json = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('splitCompact', () => {
  test('splits three base64url segments and keeps the signing input', () => {
    expect(splitCompact('aGVh.cGF5.c2ln')).toEqual({
      header: 'aGVh',
      payload: 'cGF5',
      signature: 'c2ln',
      signingInput: 'aGVh.cGF5',
    });
  });

  test('the length cap applies before anything else, and is configurable', () => {
    const long = `${'A'.repeat(50)}.${'A'.repeat(50)}.${'A'.repeat(50)}`;
    expect(() => splitCompact(long, 100)).toThrow(expect.objectContaining({ code: 'ERR_JWT_TOO_LARGE' }));
    expect(splitCompact(long, 200).signature).toHaveLength(50);
    expect(() => splitCompact(`${'a'.repeat(9000)}`)).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_TOO_LARGE' }),
    );
  });

  test.each([
    ['a.b'],
    ['a.b.c.d'],
    ['a..c'],
    ['a.b.'],
    ['a.b.c='],
    ['a.b.c d'],
    ['a.b.c+'],
    ['a.b.c/'],
    ['a.b.\tc'],
    [''],
  ])('%j is malformed', (token) => {
    expect(() => splitCompact(token)).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_MALFORMED', status: 401 }),
    );
  });

  test('five segments (JWE) are refused as such', () => {
    expect(() => splitCompact('a.b.c.d.e')).toThrow(expect.objectContaining({ code: 'ERR_JWS_INVALID' }));
  });

  test('non-strings are malformed', () => {
    expect(() => splitCompact(undefined)).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));
    expect(() => splitCompact(['a', 'b', 'c'])).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }),
    );
  });
});

describe('decodeSegment', () => {
  test('decodes canonical base64url of every length', () => {
    for (let n = 0; n < 20; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 250) & 0xff);
      expect(decodeSegment(b64url(bytes))).toEqual(bytes);
    }
  });

  test('refuses a 4n+1 length and non-zero unused bits', () => {
    expect(() => decodeSegment('AAAAA')).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));
    expect(decodeSegment('AA')).toEqual(new Uint8Array([0]));
    expect(() => decodeSegment('AB')).toThrow(/Non-canonical/);
    expect(() => decodeSegment('AAB')).toThrow(/Non-canonical/);
  });

  test('refuses characters outside the alphabet', () => {
    expect(() => decodeSegment('AA=A')).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));
    expect(() => decodeSegment('AAé')).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));
  });
});

describe('parseJsonObject', () => {
  test('parses an object', () => {
    expect(parseJsonObject(json('{"a":1,"b":{"c":[1,{"d":2}]}}'), 'payload')).toEqual({
      a: 1,
      b: { c: [1, { d: 2 }] },
    });
  });

  test.each([['[]'], ['null'], ['1'], ['"s"'], ['true'], ['{'], ['{"a":1}x'], ["{'a':1}"], ['']])(
    '%j is refused',
    (text) => {
      expect(() => parseJsonObject(json(text), 'header')).toThrow(
        expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }),
      );
    },
  );

  test('duplicate member names are refused at any depth, after unescaping', () => {
    for (const text of [
      '{"a":1,"a":2}',
      '{"a":1,"\\u0061":2}',
      '{"x":{"a":1, "a" :2}}',
      '{"x":[{"a":1,"a":2}]}',
    ]) {
      expect(() => parseJsonObject(json(text), 'payload')).toThrow(/duplicate member name/);
    }
  });

  test('equal names in sibling objects, and strings that look like members, are fine', () => {
    expect(
      parseJsonObject(json('{"x":[{"a":1},{"a":2}],"y":{"a":3},"s":"\\"a\\":","a":"a"}'), 'payload'),
    ).toBeDefined();
    expect(parseJsonObject(json('{"k":["a","a"]}'), 'payload')).toEqual({ k: ['a', 'a'] });
    // Braces and quotes inside string values are not structure.
    expect(parseJsonObject(json('{"a":"{\\"a\\":1,\\"a\\":2}","b\\\\":"}]","c":1}'), 'payload')).toEqual({
      a: '{"a":1,"a":2}',
      'b\\': '}]',
      c: 1,
    });
  });

  test('string values that begin with a colon or hold `":` are not members', () => {
    expect(parseJsonObject(json('{"a":":","b":"x\\":"}'), 'payload')).toEqual({ a: ':', b: 'x":' });
    expect(() => parseJsonObject(json('{"a":":","a":1}'), 'payload')).toThrow(/duplicate member name/);
    expect(() => parseJsonObject(json('{"a":1,"b":{"a":2,"a":3}}'), 'payload')).toThrow(/duplicate/);
  });

  test('duplicates are found exactly in generated JSON, compact or not (seeded, 3,000 documents)', () => {
    // Compact and spaced forms, names and values built from quotes, colons, backslashes and spaces: the
    // member count taken from the text must match JSON.parse's exactly when no object repeats a name.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const names = ['a', 'b', ':', 'a:', '"', ':"', 'x y', '\\', 'é'];
    const space = (): string => [' ', '', '', '', '\n', '\t'][random(6)] as string;
    const pretty = (): boolean => random(3) === 0;
    function document(depth: number, loose: boolean): { text: string; duplicate: boolean } {
      const used = new Set<string>();
      let duplicate = false;
      const members: string[] = [];
      for (let i = random(5); i >= 0; i--) {
        const name = names[random(names.length)] as string;
        if (used.has(name)) duplicate = true;
        used.add(name);
        let value: string;
        const kind = random(depth > 2 ? 3 : 4);
        if (kind === 0) value = String(random(100));
        else if (kind === 1 || kind === 2)
          value = JSON.stringify(names[random(names.length)] + (kind === 2 ? ':' : ''));
        else {
          const inner = document(depth + 1, loose);
          duplicate ||= inner.duplicate;
          value = inner.text;
        }
        const gap = (): string => (loose ? space() : '');
        members.push(`${JSON.stringify(name)}${gap()}:${gap()}${value}`);
      }
      return { text: `{${members.join(',')}}`, duplicate };
    }
    for (let i = 0; i < 3000; i++) {
      const { text, duplicate } = document(0, pretty());
      const parse = (): unknown => parseJsonObject(json(text), 'payload');
      if (duplicate) expect(parse).toThrow(/duplicate member name/);
      else expect(parse).not.toThrow();
    }
  });

  test('__proto__ members are refused (prototype pollution on merge)', () => {
    expect(() => parseJsonObject(json('{"__proto__":{"admin":true}}'), 'payload')).toThrow(/__proto__/);
    expect(() => parseJsonObject(json('{"a":{"\\u005f_proto__":1}}'), 'payload')).toThrow(/__proto__/);
    expect(parseJsonObject(json('{"kid":"__proto__"}'), 'header')).toEqual({ kid: '__proto__' });
  });

  test('invalid UTF-8 is refused', () => {
    expect(() =>
      parseJsonObject(new Uint8Array([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d]), 'payload'),
    ).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));
  });
});
