// A single-page app: every page renders in the browser, against the dev server's /api/v1.
export const ssr = false;
export const prerender = false;
