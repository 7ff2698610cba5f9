// One middleware call as the synchronous-continuation tests of the adapters see it: what next() has been
// called with so far, and the subject of the verified token the framework's request now carries.
export interface MiddlewareCall {
  calls: unknown[];
  sub(): string | undefined;
}

/**
 * The first token of a key waits for the key's conversion, so next() comes only later; after that the
 * answer is at hand and next() runs before the middleware returns, with the token's claims already set.
 */
export async function expectContinuesSynchronously(
  token: string,
  call: (authorization: string) => MiddlewareCall,
): Promise<void> {
  const first = call(`Bearer ${token}`);
  expect(first.calls).toEqual([]);
  // The conversion settles within a few turns of the event loop; do not depend on exactly one.
  for (let turn = 0; turn < 1000 && first.calls.length === 0; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(first.calls).toEqual(['next']);
  const second = call(`Bearer ${token}`);
  expect(second.calls).toEqual(['next']);
  expect(second.sub()).toBe('alice');
}
