import type { HandleClientError } from '@sveltejs/kit';

// A path the app has no page for is shown by +error.svelte; only real failures reach the console.
export const handleError: HandleClientError = ({ error, status }) => {
  if (status !== 404) console.error(error);
  return { message: status === 404 ? 'Not found' : 'Something went wrong in the page' };
};
