import { api, durationMs, msDuration } from './proto';
import { DAY_MS, type Namespaces } from './namespaces';
import { invalidArgument } from './errors';
import type { Handlers, RequestOf } from './rpc-common';

const { enums } = api;

/** WorkflowService: system and cluster info, namespaces. */
export function namespaceHandlers(namespaces: Namespaces, serverVersion: string): Handlers {
  const describeNamespace = (name: string) => {
    const ns = namespaces.get(name);
    return {
      namespaceInfo: {
        name: ns.name,
        id: ns.id,
        state: enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED,
        description: ns.description,
        capabilities: { syncUpdate: true, asyncUpdate: true, eagerWorkflowStart: true, standaloneActivities: true, standaloneActivityStartDelay: true },
        supportsSchedules: true,
      },
      config: { workflowExecutionRetentionTtl: msDuration(ns.retentionMs), historyArchivalState: 1, visibilityArchivalState: 1 },
      isGlobalNamespace: false,
    };
  };

  return {
    GetSystemInfo: () => ({
      serverVersion,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: true,
        encodedFailureAttributes: true,
        upsertMemo: true,
        eagerWorkflowStart: true,
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
        nexus: true,
      },
    }),
    GetClusterInfo: () => ({
      serverVersion,
      clusterId: 'service-exchange-dev',
      clusterName: 'dev',
      historyShardCount: 1,
      persistenceStore: 'dev-journal',
      visibilityStore: 'dev-memory',
    }),
    RegisterNamespace: (req: RequestOf<'RegisterNamespaceRequest'>) => {
      // Kept as given (a real server's minimum is dynamic config); unset, a day.
      const retentionMs = durationMs(req.workflowExecutionRetentionPeriod);
      if (retentionMs < 0) throw invalidArgument('A valid retention period is not set on request.');
      namespaces.register(req.namespace, retentionMs || DAY_MS, req.description);
      return {};
    },
    DescribeNamespace: (req: RequestOf<'DescribeNamespaceRequest'>) => describeNamespace(req.namespace || namespaces.byId(req.id).name),
    ListNamespaces: () => ({ namespaces: namespaces.list().map((n) => describeNamespace(n.name)) }),
    UpdateNamespace: (req: RequestOf<'UpdateNamespaceRequest'>) => describeNamespace(req.namespace),
  };
}
