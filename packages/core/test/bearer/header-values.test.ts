import { headerValues } from '../../src/index.js';

describe('headerValues', () => {
  test('reads a header case-insensitively from every input form', () => {
    expect(headerValues(new Headers({ 'X-Probe': 'a' }), 'x-probe')).toEqual(['a']);
    expect(headerValues({ 'x-probe': 'a' }, 'X-Probe')).toEqual(['a']);
    expect(headerValues(['Host', 'h', 'X-PROBE', 'a'], 'x-probe')).toEqual(['a']);
  });

  test('keeps repeated fields apart where the input does', () => {
    expect(headerValues(['X-Probe', 'a', 'x-probe', 'b'], 'x-probe')).toEqual(['a', 'b']);
    expect(headerValues({ 'x-probe': ['a', 'b'] }, 'x-probe')).toEqual(['a', 'b']);
    // Fetch Headers join repeated fields: one value.
    const joined = new Headers([
      ['x-probe', 'a'],
      ['x-probe', 'b'],
    ]);
    expect(headerValues(joined, 'x-probe')).toEqual(['a, b']);
  });

  test('absent or undefined values are no values', () => {
    expect(headerValues(new Headers(), 'x-probe')).toEqual([]);
    expect(headerValues({ 'x-probe': undefined }, 'x-probe')).toEqual([]);
    expect(headerValues(['x-probe'], 'x-probe')).toEqual([]);
    expect(headerValues({}, 'x-probe')).toEqual([]);
  });

  test('a Headers-like object from another realm is read through get()', () => {
    const foreign = Object.create({ get: (name: string) => (name === 'x-probe' ? 'a' : null) }) as Headers;
    expect(headerValues(foreign, 'X-Probe')).toEqual(['a']);
  });
});
