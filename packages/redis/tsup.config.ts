import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// Two entries: `@jwtguard/redis` (the denylist) and `@jwtguard/redis/issuer` (the issuer's stores). Only the
// second imports @jwtguard/issuer, an optional peer dependency left external like every dependency, so an
// API that loads the first never needs the issuer installed.
export default defineConfig({
  ...packageBuild,
  entry: { index: 'src/index.ts', issuer: 'src/issuer-stores.ts' },
});
