// A namespace's pages read its search attributes (the search bar's fields, the list's columns) from the
// library's store, and the namespace's description.
import { fetchNamespace } from '@temporalio/ui/services/namespaces-service';
import { fetchSearchAttributesForNamespace } from '@temporalio/ui/services/search-attributes-service';
import { allSearchAttributes } from '@temporalio/ui/stores/search-attributes';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ params, parent, fetch }) => {
  const { settings } = await parent();
  allSearchAttributes.set(await fetchSearchAttributesForNamespace(params.namespace, fetch));
  return { namespace: await fetchNamespace(params.namespace, settings, fetch) };
};
