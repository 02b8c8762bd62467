import { fetchNexusEndpoint } from '@temporalio/ui/services/nexus-service';
import { withDescriptionText } from '../endpoint-spec';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, fetch }) => ({ endpoint: withDescriptionText((await fetchNexusEndpoint(params.id, fetch)).endpoint) });
