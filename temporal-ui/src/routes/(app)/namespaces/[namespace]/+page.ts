import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

export const load: PageLoad = ({ params }) => redirect(302, `/namespaces/${encodeURIComponent(params.namespace)}/workflows`);
