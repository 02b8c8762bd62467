// The exchange workflow's message handlers for people's actions: one update (answers the API) and one
// signal (fire-and-forget) per action of the registry (workflows/definitions.ts), all behind one `act`.
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import { DomainError } from '../domain/errors';
import type { Actor } from '../domain/model';
import { decide, type Action, type ExchangeState, type Transition } from '../domain/state-machine';
import { actions, type ActionInput, type ExchangeSnapshot } from './definitions';

const toFailure = (err: unknown): unknown =>
  err instanceof DomainError
    ? ApplicationFailure.create({ type: err.code, message: err.message, details: [err.details ?? {}], nonRetryable: true })
    : err;

/** The state machine's decision, or the refusal as the failure an update answers with (its code as type). */
export const decideOrFail = (exchange: ExchangeState, action: Action, actor: Actor): Transition => {
  try {
    return decide(exchange, action, actor);
  } catch (err) {
    throw toFailure(err);
  }
};

/**
 * Registers every action's update and signal. `validate` refuses an update before it is accepted (a
 * refusal leaves no trace in history); `act` decides, applies and answers.
 */
export function handleActions(validate: (action: Action, actor: Actor) => void, act: (action: Action, actor: Actor) => Promise<ExchangeSnapshot>): void {
  for (const [name, { update, signal }] of Object.entries(actions)) {
    const type = name as keyof typeof actions;
    const toAction = (input: ActionInput<typeof type>) => {
      const { actor, ...fields } = input as { actor: Actor } & Record<string, unknown>;
      return { action: { type, ...fields } as Action, actor };
    };
    setHandler(
      update as typeof actions.assign.update,
      async (arg) => {
        const { action, actor } = toAction(arg as ActionInput<typeof type>);
        return act(action, actor);
      },
      {
        validator: (arg) => {
          const { action, actor } = toAction(arg as ActionInput<typeof type>);
          validate(action, actor);
        },
      },
    );
    setHandler(signal as typeof actions.assign.signal, async (arg) => {
      const { action, actor } = toAction(arg as ActionInput<typeof type>);
      try {
        await act(action, actor);
      } catch (err) {
        // A signal cannot answer; a refused one is logged and changes nothing.
        log.warn('refused signalled action', { action: action.type, reason: (err as Error).message });
      }
    });
  }
}
