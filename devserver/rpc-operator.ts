import type { proto } from './proto';
import { invalidArgument } from './errors';
import { indexedTypeFromKind, kindFromIndexedType, systemAttributes } from './search-attributes';
import type { Namespaces } from './namespaces';
import type { Handlers } from './rpc-common';

/** OperatorService: custom search attributes. */
export function operatorHandlers(namespaces: Namespaces): Handlers {
  return {
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
