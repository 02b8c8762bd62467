import { status } from '@grpc/grpc-js';
import { api, CommandType, type Command } from './proto';
import { ServiceError } from './errors';
import { commandAttributesKey } from './event-names';
import type { Handlers } from './rpc-common';

/**
 * Request fields that ask for a behaviour the dev server does not implement. A request that sets one
 * is refused, naming the field, instead of being served as if the field were not there. An unset or
 * default value asks for nothing (the SDK sends many of them empty), so only a value that asks counts.
 * The README's "Not implemented" list names the same fields.
 */

type Req = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface FieldCheck {
  field: string;
  /** True when the request asks for the behaviour. */
  asks(req: Req): boolean;
  /** What the field would do, for the message. */
  what: string;
}

const { enums } = api;
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : !!v);
const archivalOn = (state: number | null | undefined) => state === enums.v1.ArchivalState.ARCHIVAL_STATE_ENABLED;

const check = (field: string, asks: (req: Req) => boolean, what: string): FieldCheck => ({ field, asks, what });

const links = check('links', (r) => nonEmpty(r.links), 'links to other executions');
const versioningOverride = check('versioningOverride', (r) => !!r.versioningOverride, 'worker versioning');

const startChecks = [
  links,
  versioningOverride,
  check('timeSkippingConfig', (r) => !!r.timeSkippingConfig?.enabled, "a workflow's own time skipping"),
];

/** A poller that opts into worker versioning (the 1.24 worker sends its deployment options unversioned by default). */
const pollChecks = [
  check(
    'deploymentOptions.workerVersioningMode',
    (r) => r.deploymentOptions?.workerVersioningMode === enums.v1.WorkerVersioningMode.WORKER_VERSIONING_MODE_VERSIONED,
    'worker deployment versioning',
  ),
  check('workerVersionCapabilities.useVersioning', (r) => !!r.workerVersionCapabilities?.useVersioning, 'build-id based versioning'),
];

/** RPC name → the fields of its request that the dev server refuses. */
const REQUEST_CHECKS: Record<string, FieldCheck[]> = {
  StartWorkflowExecution: [
    ...startChecks,
    // Attaching matters only when a start finds its workflow running and uses it (USE_EXISTING).
    check(
      'onConflictOptions',
      (r) =>
        r.workflowIdConflictPolicy === enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING &&
        !!(r.onConflictOptions?.attachRequestId || r.onConflictOptions?.attachCompletionCallbacks || r.onConflictOptions?.attachLinks),
      'attaching callbacks, links or a request id to a running workflow',
    ),
    check('continuedFailure', (r) => !!r.continuedFailure, 'a failure carried from a previous run'),
    check('lastCompletionResult', (r) => !!r.lastCompletionResult, 'a result carried from a previous run'),
  ],
  SignalWithStartWorkflowExecution: startChecks,
  SignalWorkflowExecution: [links],
  StartActivityExecution: [links],
  ResetWorkflowExecution: [check('postResetOperations', (r) => nonEmpty(r.postResetOperations), 'operations applied to the new run after a reset')],
  RequestCancelWorkflowExecution: [links],
  TerminateWorkflowExecution: [links],
  PollWorkflowTaskQueue: pollChecks,
  PollActivityTaskQueue: pollChecks,
  RegisterNamespace: [
    check('isGlobalNamespace', (r) => !!r.isGlobalNamespace, 'multi-cluster replication'),
    check('clusters', (r) => nonEmpty(r.clusters), 'multi-cluster replication'),
    check('activeClusterName', (r) => !!r.activeClusterName, 'multi-cluster replication'),
    check('historyArchivalState', (r) => archivalOn(r.historyArchivalState) || !!r.historyArchivalUri, 'archival'),
    check('visibilityArchivalState', (r) => archivalOn(r.visibilityArchivalState) || !!r.visibilityArchivalUri, 'archival'),
    check('ownerEmail', (r) => !!r.ownerEmail, 'namespace owner information'),
    check('data', (r) => Object.keys(r.data ?? {}).length > 0, 'namespace data'),
  ],
  UpdateNamespace: [
    check('updateInfo', (r) => !!r.updateInfo, 'changing a namespace'),
    check('config', (r) => !!r.config, 'changing a namespace'),
    check('replicationConfig', (r) => !!r.replicationConfig, 'multi-cluster replication'),
    check('deleteBadBinary', (r) => !!r.deleteBadBinary, 'bad binaries'),
    check('promoteNamespace', (r) => !!r.promoteNamespace, 'multi-cluster replication'),
  ],
};

/** Command type → the fields of its attributes that the dev server refuses. */
const COMMAND_CHECKS: Record<number, FieldCheck[]> = {
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: [versioningOverride],
  [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: [
    check('initialVersioningBehavior', (a) => !!a.initialVersioningBehavior, 'worker versioning'),
  ],
};

/** The commands whose events carry the command's user metadata (summary and details), as on the real server. */
const COMMANDS_WITH_METADATA = new Set<number>([
  CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION,
  CommandType.COMMAND_TYPE_START_TIMER,
  CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_RECORD_MARKER,
]);

const message = (c: FieldCheck) => `${c.field} is not implemented by the dev server (${c.what})`;

/** Wraps a service's handlers so each refuses, with UNIMPLEMENTED, a request that sets a field it does not implement. */
export function refusingUnsupportedFields(handlers: Handlers): Handlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handle]) => {
      const checks = REQUEST_CHECKS[name];
      if (!checks) return [name, handle];
      return [
        name,
        (req: Req, call: Parameters<typeof handle>[1]) => {
          const asked = checks.find((c) => c.asks(req));
          if (asked) throw new ServiceError(status.UNIMPLEMENTED, message(asked));
          return handle(req, call);
        },
      ];
    }),
  );
}

/**
 * Why a workflow task's command asks for something the dev server does not implement, or undefined.
 * (`eventGroupMarkers`, which the worker sends on its own for UIs, is not refused: it asks for no behaviour.)
 */
export function unsupportedCommandField(c: Command): string | undefined {
  const type = c.commandType!;
  const attrs = (c as Req)[commandAttributesKey(type)] ?? {};
  const asked = (COMMAND_CHECKS[type] ?? []).find((f) => f.asks(attrs));
  if (asked) return `${commandAttributesKey(type)}.${message(asked)}`;
  if (c.userMetadata && !COMMANDS_WITH_METADATA.has(type)) return `userMetadata on ${CommandType[type]} is not implemented by the dev server`;
  return undefined;
}
