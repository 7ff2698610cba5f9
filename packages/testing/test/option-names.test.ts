// A misspelt option of createTestIssuer is refused with the name that was meant, and refusing it leaves no
// server listening (a test run would otherwise never exit). In a file of its own, so that no other test's
// server is among the ones counted.
import { ConfigurationError } from '@jwtguard/core';
import { createTestIssuer, type TestIssuerOptions } from '@jwtguard/testing';

const listening = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'TCPServerWrap').length;

/** Node drops a closed server from its active resources a moment after the close callback. */
async function serversAfterSettling(): Promise<number> {
  for (let waited = 0; listening() > 0 && waited < 1000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return listening();
}

test('a misspelt option is refused before the server starts', async () => {
  const typo = { audeince: 'https://x.test' } as TestIssuerOptions;
  await expect(createTestIssuer(typo)).rejects.toThrow(ConfigurationError);
  await expect(createTestIssuer(typo)).rejects.toThrow(
    /createTestIssuer\(\): unknown option "audeince"; did you mean "audience"\?/,
  );
  expect(await serversAfterSettling()).toBe(0);
});

test('a misspelt issuerOptions member is refused by createIssuer, and the server is closed again', async () => {
  const typo = { issuerOptions: { acessTokenLifetime: '2m' } } as TestIssuerOptions;
  await expect(createTestIssuer(typo)).rejects.toThrow(
    /createIssuer\(\): unknown option "acessTokenLifetime"; did you mean "accessTokenLifetime"\?/,
  );
  expect(await serversAfterSettling()).toBe(0);
});
