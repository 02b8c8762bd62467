import { executionInfo, countExecutions, listExecutions } from './visibility';
import { indexedTypeFromKind, systemAttributes } from './search-attributes';
import { pageToken, readPageToken, type Handlers, type RequestOf } from './rpc-common';
import type { Engine } from './engine';

/** WorkflowService: listing and counting executions, and the search attributes a query may use. */
export function visibilityHandlers(engine: Engine): Handlers {
  const namespaces = engine.namespaces;

  function list(req: { namespace: string; pageSize: number; nextPageToken?: Uint8Array | null; query: string }) {
    const ns = namespaces.get(req.namespace);
    const all = listExecutions(engine.executions(ns.name), ns, req.query);
    const from = readPageToken<{ from: number }>(req.nextPageToken)?.from ?? 0;
    const size = req.pageSize > 0 ? req.pageSize : 1000;
    const page = all.slice(from, from + size);
    return {
      executions: page.map(executionInfo),
      nextPageToken: from + page.length < all.length ? pageToken({ from: from + page.length }) : undefined,
    };
  }

  return {
    ListWorkflowExecutions: (req: RequestOf<'ListWorkflowExecutionsRequest'>) => list(req),
    ScanWorkflowExecutions: (req: RequestOf<'ScanWorkflowExecutionsRequest'>) => list(req),
    CountWorkflowExecutions: (req: RequestOf<'CountWorkflowExecutionsRequest'>) => {
      const ns = namespaces.get(req.namespace);
      return countExecutions(engine.executions(ns.name), ns, req.query);
    },
    GetSearchAttributes: () => ({
      keys: Object.fromEntries(
        [...systemAttributes, ...namespaces.get('default').customAttributes].map(([name, kind]) => [name, indexedTypeFromKind(kind)]),
      ),
    }),
  };
}
