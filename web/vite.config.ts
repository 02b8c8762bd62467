import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  // Bundles every dependency for kit's build-time server pass: the repository's cookie@2 (for
  // @fastify/cookie) otherwise shadows the cookie version kit itself expects.
  ssr: { noExternal: true },
  // The build's timing report is noise for `npm start`, which builds on start when the sources changed.
  build: { rolldownOptions: { checks: { bundlerTimings: false } } },
  logLevel: 'warn',
});
