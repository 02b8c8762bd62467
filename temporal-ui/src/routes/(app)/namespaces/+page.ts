import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** `/`: the default namespace's workflows, where Temporal's UI opens. */
export const load: PageLoad = async ({ parent }) => {
  const { settings } = await parent();
  redirect(302, `/namespaces/${encodeURIComponent(settings.defaultNamespace)}/workflows`);
};
