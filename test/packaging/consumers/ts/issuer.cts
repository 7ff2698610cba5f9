import issuer = require('@jwtguard/issuer');

export type Issuer = ReturnType<typeof issuer.createIssuer>;
