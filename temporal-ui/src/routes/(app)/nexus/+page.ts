import { fetchNexusEndpoints } from '@temporalio/ui/services/nexus-service';
import type { PageLoad } from './$types';

// Again on each change of ?search= (the list page's search box writes it).
export const load: PageLoad = async ({ url, fetch }) => ({ endpoints: await fetchNexusEndpoints(url.searchParams.get('search') ?? '', fetch) });
