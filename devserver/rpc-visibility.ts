import { executionInfo, countExecutions, listExecutions } from './visibility';
import { indexedTypeFromKind, systemAttributes } from './search-attributes';
import { pageToken, readPageToken, type Handlers, type RequestOf } from './rpc-common';
import type { Engine } from './engine';
import { long } from './proto';
import { compileVisibilityQuery } from './visibility-query';
import { scheduleReader } from './rpc-schedules';

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
      const counted = countExecutions(engine.executions(ns.name), ns, req.query);
      // The real server keeps each schedule as a running workflow in the TemporalScheduler division,
      // which a query sees only when it names the division (the Temporal UI counts schedules so).
      if (!/\bTemporalNamespaceDivision\b/.test(req.query) || counted.groups?.length) return counted;
      // Compiled as countExecutions compiled it (which refused any query it could not).
      const query = compileVisibilityQuery(req.query, new Map([...systemAttributes, ...ns.customAttributes]));
      const schedules = engine.schedules.list(ns.name).filter((entry) => query.matches(scheduleReader(entry, ns)));
      return { count: long(Number(counted.count) + schedules.length) };
    },
    GetSearchAttributes: () => ({
      keys: Object.fromEntries(
        [...systemAttributes, ...namespaces.get('default').customAttributes].map(([name, kind]) => [name, indexedTypeFromKind(kind)]),
      ),
    }),
  };
}
