// SvelteKit configuration of the web app: a single-page app (adapter-static with a fallback page)
// served by the API process under /app/ (api/plugins/web-app.ts).
import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html' }),
    // Absolute asset URLs: the fallback page is served at every /app/... path.
    paths: { base: '/app', relative: false },
    // The product's pure rules (form validation, durations, the vocabulary), shared with the API so
    // the pages check input with the same messages the API answers.
    alias: { $domain: '../domain' },
  },
};
