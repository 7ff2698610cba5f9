import { createIssuer } from '@jwtguard/issuer';

export type Issuer = ReturnType<typeof createIssuer>;
// @ts-expect-error the issuer URL is required
createIssuer({});
