import * as grpc from '@grpc/grpc-js';
import { encodeMessage, methodNames, serviceDefinition } from './proto';
import { asServiceError, statusDetails } from './errors';
import type { Engine } from './engine';
import type { Handlers } from './rpc-common';
import { namespaceHandlers } from './rpc-namespaces';
import { executionHandlers } from './rpc-executions';
import { queryUpdateHandlers } from './rpc-queries-updates';
import { multiOperationHandlers } from './rpc-multi-operation';
import { taskHandlers } from './rpc-tasks';
import { visibilityHandlers } from './rpc-visibility';
import { scheduleHandlers } from './rpc-schedules';
import { activityExecutionHandlers } from './rpc-activity-executions';
import { operatorHandlers } from './rpc-operator';
import { testServiceHandlers } from './rpc-test-service';
import { refusingUnsupportedFields } from './unsupported-fields';

export interface Services {
  workflow: Handlers;
  operator: Handlers;
  test: Handlers;
}

/** The RPC handlers, one family per file: thin translations between protobuf requests and the engine. */
export function createHandlers(engine: Engine, serverVersion: string): Services {
  return {
    workflow: refusingUnsupportedFields({
      ...namespaceHandlers(engine.namespaces, serverVersion),
      ...executionHandlers(engine),
      ...queryUpdateHandlers(engine),
      ...multiOperationHandlers(engine),
      ...taskHandlers(engine),
      ...visibilityHandlers(engine),
      ...scheduleHandlers(engine),
      ...activityExecutionHandlers(engine),
    }),
    operator: operatorHandlers(engine.namespaces, engine.nexusEndpoints),
    test: testServiceHandlers(engine.clock),
  };
}

const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
const OPERATOR_SERVICE = 'temporal.api.operatorservice.v1.OperatorService';
const TEST_SERVICE = 'temporal.api.testservice.v1.TestService';

function toStatus(err: unknown, log: (msg: string) => void): Partial<grpc.StatusObject> {
  const error = asServiceError(err, log);
  const { code, message } = error;
  const metadata = new grpc.Metadata();
  if (error.details) {
    metadata.set('grpc-status-details-bin', Buffer.from(encodeMessage('google.rpc.Status', { code, message, details: statusDetails(error) })));
  }
  return { code, details: message, metadata };
}

/** Adds the three services to a grpc-js server; methods without a handler answer UNIMPLEMENTED. */
export function addServices(server: grpc.Server, services: Services, log: (msg: string) => void): void {
  const wire = (serviceName: string, handlers: Handlers) => {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of methodNames(serviceName)) {
      const handler = handlers[name];
      if (!handler) continue;
      impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        Promise.resolve()
          .then(() => handler(call.request, call))
          .then(
            (res) => callback(null, res ?? {}),
            (err) => callback(toStatus(err, log) as grpc.ServiceError),
          );
      };
    }
    server.addService(serviceDefinition(serviceName), impl);
  };
  wire(WORKFLOW_SERVICE, services.workflow);
  wire(OPERATOR_SERVICE, services.operator);
  wire(TEST_SERVICE, services.test);
}
