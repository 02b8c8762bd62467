import { num, type proto } from './proto';
import { invalidArgument } from './errors';
import { indexedTypeFromKind, kindFromIndexedType, systemAttributes } from './search-attributes';
import type { Namespaces } from './namespaces';
import type { NexusEndpoints } from './nexus-endpoints';
import { pageToken, readPageToken, type Handlers } from './rpc-common';

/** OperatorService: custom search attributes and Nexus endpoints. */
export function operatorHandlers(namespaces: Namespaces, endpoints: NexusEndpoints): Handlers {
  type Ops = typeof proto.temporal.api.operatorservice.v1;
  type Req<K extends keyof Ops> = Ops[K] extends { decode(...args: never[]): infer R } ? R : never;
  return {
    CreateNexusEndpoint: (req: Req<'CreateNexusEndpointRequest'>) => ({ endpoint: endpoints.toProto(endpoints.create(req.spec)) }),
    UpdateNexusEndpoint: (req: Req<'UpdateNexusEndpointRequest'>) => ({ endpoint: endpoints.toProto(endpoints.update(req.id, num(req.version), req.spec)) }),
    DeleteNexusEndpoint: (req: Req<'DeleteNexusEndpointRequest'>) => {
      endpoints.delete(req.id, num(req.version));
      return {};
    },
    GetNexusEndpoint: (req: Req<'GetNexusEndpointRequest'>) => ({ endpoint: endpoints.toProto(endpoints.get(req.id)) }),
    ListNexusEndpoints: (req: Req<'ListNexusEndpointsRequest'>) => {
      const all = endpoints.list().filter((e) => !req.name || e.name === req.name);
      const from = readPageToken<{ from: number }>(req.nextPageToken)?.from ?? 0;
      const size = req.pageSize > 0 ? req.pageSize : 100;
      const page = all.slice(from, from + size);
      return { endpoints: page.map((e) => endpoints.toProto(e)), nextPageToken: from + page.length < all.length ? pageToken({ from: from + page.length }) : undefined };
    },
    AddSearchAttributes: (req: proto.temporal.api.operatorservice.v1.AddSearchAttributesRequest) => {
      const ns = req.namespace || 'default';
      for (const [name, type] of Object.entries(req.searchAttributes ?? {})) {
        const kind = kindFromIndexedType(type);
        if (!kind) throw invalidArgument(`Unknown search attribute type ${type} for ${name}.`);
        namespaces.addAttribute(ns, name, kind);
      }
      return {};
    },
    RemoveSearchAttributes: (req: proto.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest) => {
      for (const name of req.searchAttributes ?? []) namespaces.removeAttribute(req.namespace || 'default', name);
      return {};
    },
    ListSearchAttributes: (req: proto.temporal.api.operatorservice.v1.ListSearchAttributesRequest) => {
      const ns = namespaces.get(req.namespace || 'default');
      return {
        customAttributes: Object.fromEntries([...ns.customAttributes].map(([n, k]) => [n, indexedTypeFromKind(k)])),
        systemAttributes: Object.fromEntries([...systemAttributes].map(([n, k]) => [n, indexedTypeFromKind(k)])),
        storageSchema: {},
      };
    },
  };
}
