import testing = require('@jwtguard/testing');

export type TestIssuer = Awaited<ReturnType<typeof testing.createTestIssuer>>;
