import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

export default defineConfig({
  ...packageBuild,
  // The two sides of the `#crypto-runtime` seam are built as their own files and the import is left
  // external, so the package `imports` map (not the bundler) picks node:crypto or Web Crypto at load time.
  entry: { index: 'src/index.ts', 'crypto-node': 'src/runtime/node.ts', 'crypto-web': 'src/runtime/web.ts' },
  external: ['#crypto-runtime'],
  dts: { entry: { index: 'src/index.ts' } },
});
