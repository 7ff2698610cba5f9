// One guard for every onEvent: a throwing or rejecting listener goes no further, a missing one is a no-op,
// and something that is not a function is refused at construction.
import { ConfigurationError, guardListener } from '../../src/index.js';

test('a throwing listener is contained; a rejecting async one leaves no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const seen: number[] = [];
    const throwing = guardListener((event: number) => {
      seen.push(event);
      throw new Error('listener bug');
    });
    expect(() => throwing(1)).not.toThrow();
    const rejecting = guardListener(async (event: number) => {
      seen.push(event);
      throw new Error('async listener bug');
    });
    expect(() => rejecting(2)).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([1, 2]);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('no listener is a no-op; a listener that is not a function is refused', () => {
  expect(() => guardListener<number>(undefined)(1)).not.toThrow();
  expect(() => guardListener('log' as never)).toThrow(ConfigurationError);
});
