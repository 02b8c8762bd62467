// Acting on a task: the action goes to the request's workflow as an update, and the answer is the
// task as the actor's side stores it, with the state that action left.
import { DomainError } from '../domain/errors';
import { decide, type Action, type UserActionType } from '../domain/state-machine';
import type { Actor } from '../domain/model';
import { exchangeStateOf, findTask, findWorkflowId, type TaskRecord } from '../db/repositories/tasks';
import type { ExchangeSnapshot } from '../workflows/definitions';
import { DEFAULT_ACTION_TIMEOUT_MS, sendAction } from './send-action';
import type { ServiceDeps } from './deps';

// Another instance's task is indistinguishable from one that does not exist.
export const taskNotFound = (number: string) => new DomainError('not_found', `No task ${number} in this instance`);

/** The workflow behind a task of the actor's instance. */
export async function findActionTarget(deps: ServiceDeps, actor: Actor, number: string): Promise<string> {
  const workflowId = await findWorkflowId(deps.instances.db(actor.instance), number);
  if (!workflowId) throw taskNotFound(number);
  return workflowId;
}

/**
 * Sends the action (under `updateId`, so a retry is the same update) and answers the task as the actor's
 * side stores it once the action is written there, with the request as the action left it. An action
 * on a request that ended first is refused as the state machine refuses any action on an ended request.
 */
export async function actOnTask(
  deps: ServiceDeps,
  actor: Actor,
  target: { number: string; workflowId: string },
  action: UserActionType,
  body: Record<string, unknown>,
  updateId?: string,
): Promise<{ task: TaskRecord; decided: ExchangeSnapshot }> {
  // Even on a request that has ended: a retry of the action that ended it gets that action's answer.
  const outcome = await sendAction(deps.temporal, target.workflowId, action, { actor, ...body }, { updateId, timeoutMs: deps.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS });
  const task = await findTask(deps.instances.db(actor.instance), target.number);
  if (!task) throw taskNotFound(target.number);
  if (!outcome.decided) {
    decide(exchangeStateOf(task, actor.instance), { type: action, ...body } as Action, actor);
    // The workflow ended (an operator terminated it) while this copy still shows it open.
    throw new DomainError('conflict', `Request ${target.number} is no longer running; its record is out of date (see /ops/reconcile)`);
  }
  return { task, decided: outcome.snapshot };
}
