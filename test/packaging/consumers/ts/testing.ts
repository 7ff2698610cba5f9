import { createTestIssuer } from '@jwtguard/testing';

export type TestIssuer = Awaited<ReturnType<typeof createTestIssuer>>;
