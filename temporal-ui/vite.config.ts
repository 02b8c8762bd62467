import { fileURLToPath } from 'node:url';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from 'tailwindcss';
import { defineConfig, type Plugin } from 'vite';

/**
 * kit still makes a server build for this single-page app (`ssr = false` at its root), which
 * adapter-static only runs to write the fallback page: no page ever renders on the server. There the
 * route components below the root layout (which links the stylesheet into that page) compile empty,
 * so the server build skips the library's components they import (877 modules transformed instead of
 * 2,275; the whole build 25 -> 19 CPU-seconds). The browser's build is untouched.
 */
const emptyServerRoutes = (routesDir: string): Plugin => ({
  name: 'spa-empty-server-routes',
  enforce: 'pre',
  applyToEnvironment: (environment) => environment.name === 'ssr',
  load: (id) => (id.startsWith(routesDir) && id.endsWith('.svelte') && id !== `${routesDir}+layout.svelte` ? '' : undefined),
});

export default defineConfig({
  plugins: [emptyServerRoutes(fileURLToPath(new URL('./src/routes/', import.meta.url))), sveltekit()],
  resolve: {
    alias: [
      // Monaco with the Markdown language only (src/lib/monaco-markdown.js); the language workers the
      // library's setup imports are never asked for, so each is the editor's own worker.
      { find: /^monaco-editor$/, replacement: fileURLToPath(new URL('./src/lib/monaco-markdown.js', import.meta.url)) },
      { find: /^monaco-editor\/esm\/vs\/language\/\w+\/\w+\.worker\?worker$/, replacement: 'monaco-editor/esm/vs/editor/editor.worker?worker' },
    ],
  },
  css: { postcss: { plugins: [tailwindcss({ config: fileURLToPath(new URL('./tailwind.config.js', import.meta.url)) })] } },
  define: {
    // The library's API origin: '' is the page's own origin, where the dev server serves /api/v1.
    'import.meta.env.VITE_API': JSON.stringify(''),
    // A local (not cloud) build: the library's environment switch (utilities/get-environment).
    'import.meta.env.VITE_TEMPORAL_UI_BUILD_TARGET': JSON.stringify('local'),
    'import.meta.env.VITE_DARK_MODE': JSON.stringify(''),
  },
  // Bundles every dependency for kit's build-time server pass (as web/ does).
  ssr: { noExternal: true },
  build: { chunkSizeWarningLimit: 8000, rolldownOptions: { checks: { bundlerTimings: false } } },
  logLevel: 'warn',
});
