// A single-page app: everything renders in the browser, against the API on the same origin.
export const ssr = false;
export const prerender = false;
