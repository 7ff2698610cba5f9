import { defineConfig } from 'tsup';

export default defineConfig({
  // The two sides of the `#crypto-runtime` seam are built as their own files and the import is left
  // external, so the package `imports` map (not the bundler) picks node:crypto or Web Crypto at load time.
  entry: { index: 'src/index.ts', 'crypto-node': 'src/crypto-node.ts', 'crypto-web': 'src/crypto-web.ts' },
  external: ['#crypto-runtime'],
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
