// The same package through `require` (CommonJS consumer): resolves the .d.cts declarations.
import feed = require('@jwtguard/feed');
import core = require('@jwtguard/core');

export const receiver = (): ReturnType<typeof feed.createSetReceiver> =>
  feed.createSetReceiver({
    issuer: 'https://issuer.example/',
    audience: 'https://api.example',
    denylist: core.createMemoryDenylist(),
  });
