// SvelteKit configuration of the Temporal UI the embedded dev server serves on its HTTP port (8233 by
// default) beside Temporal's HTTP API: a single-page app (adapter-static with a fallback page, which
// devserver/http-server.ts answers for every UI route), at the root, as Temporal's own UI server has it.
import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html' }),
    // Absolute asset URLs: the fallback page is served at every UI path, however deep.
    paths: { relative: false },
  },
};
