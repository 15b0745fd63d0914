// Vite builds the Svelte renderer into dist/renderer, which both the Electron window (lumen://app/)
// and `lumen serve` load. Relative asset paths let the same build work under either origin.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: { outDir: '../dist/renderer', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1000 },
  // `npm run dev:renderer` against a running `lumen serve` on the default port.
  server: { proxy: { '/api': 'http://127.0.0.1:8765', '/media': 'http://127.0.0.1:8765' } },
});
