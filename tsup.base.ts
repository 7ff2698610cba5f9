import type { Options } from 'tsup';

// Every package ships the same shape: ESM and CommonJS with types and source maps for Node 20+.
export const packageBuild = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
} satisfies Options;
