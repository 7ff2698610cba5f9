// Native ESM jest: `jose` v6 and `oidc-provider` 9 are ESM-only, so tests run as real ES modules
// (node --experimental-vm-modules) instead of transpiling dependencies to CommonJS.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^@jwtguard/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@jwtguard/redis/issuer$': '<rootDir>/packages/redis/src/issuer-stores.ts',
    '^@jwtguard-example/([a-z-]+)$': '<rootDir>/examples/$1/src/index.ts',
    // The signature seam (packages/core package.json `imports`): jest runs on Node, so the node:crypto side.
    '^#crypto-runtime$': '<rootDir>/packages/core/src/runtime/node.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/setup/redis.mjs',
  testTimeout: 20000,
  maxWorkers: 2,
};
