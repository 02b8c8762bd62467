import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** The call stack's former address. */
export const load: PageLoad = ({ url }) => redirect(302, url.pathname.replace(/\/stack-trace$/, '/call-stack'));
