// Workflows for the lifecycle and time-skipping conformance tests.
import type { Duration } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  TemporalFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
  type ContinueAsNewOptions,
} from '@temporalio/workflow';

export const releaseSignal = defineSignal('release');
export const noteSignal = defineSignal<[string]>('note');
export const notesQuery = defineQuery<string[]>('notes');
export const firedQuery = defineQuery<boolean>('fired');
export const cleanedUpQuery = defineQuery<boolean>('cleanedUp');

// ---------------------------------------------------------------- timers and time

/** Sleeps `ms` and reports how much workflow time passed across the timer. */
export async function timedSleep(ms: Duration): Promise<{ startedAt: number; elapsedMs: number }> {
  const startedAt = Date.now();
  await sleep(ms);
  return { startedAt, elapsedMs: Date.now() - startedAt };
}

/**
 * Starts a long timer in a cancellable scope, lets a short timer fire first (so the long timer's
 * start is already in history), then cancels the scope: history gets TimerCanceled, never TimerFired.
 */
export async function cancelledTimer(): Promise<string> {
  const scope = new CancellationScope();
  const long = scope.run(() => sleep('1 day'));
  await sleep(1);
  scope.cancel();
  try {
    await long;
    return 'fired';
  } catch (err) {
    if (isCancellation(err)) return 'cancelled';
    throw err;
  }
}

/** Sleeps `timer`, marks `fired` (queryable), then waits for `release`; returns the timer's workflow-time span. */
export async function timerThenWait(timer: Duration): Promise<number> {
  let fired = false;
  let released = false;
  setHandler(firedQuery, () => fired);
  setHandler(releaseSignal, () => void (released = true));
  const startedAt = Date.now();
  await sleep(timer);
  fired = true;
  const firedAt = Date.now();
  await condition(() => released);
  return firedAt - startedAt;
}

// ---------------------------------------------------------------- continue-as-new

export interface LoopResult {
  count: number;
  attempt: number;
  firstExecutionRunId: string;
  continuedFromExecutionRunId?: string;
  runId: string;
}

/** Continues as new until `count` reaches `max`, carrying the counter in its arguments. */
export async function continueLoop(count: number, max: number): Promise<LoopResult> {
  if (count < max) await continueAsNew<typeof continueLoop>(count + 1, max);
  const info = workflowInfo();
  return {
    count,
    attempt: info.attempt,
    firstExecutionRunId: info.firstExecutionRunId,
    continuedFromExecutionRunId: info.continuedFromExecutionRunId,
    runId: info.runId,
  };
}

// ---------------------------------------------------------------- a workflow others act on

/** Collects `note` signals until `release`; answers `notes`. Reports CancelledFailure cleanup via `cleanedUp`. */
export async function blocker(): Promise<string[]> {
  const notes: string[] = [];
  let released = false;
  let cleanedUp = false;
  setHandler(noteSignal, (note) => void notes.push(note));
  setHandler(releaseSignal, () => void (released = true));
  setHandler(notesQuery, () => notes);
  setHandler(cleanedUpQuery, () => cleanedUp);
  try {
    await condition(() => released);
  } catch (err) {
    if (isCancellation(err)) {
      // Cleanup that must run even though the workflow is being cancelled; then report the cancellation.
      await CancellationScope.nonCancellable(() => sleep(1));
      cleanedUp = true;
    }
    throw err;
  }
  return notes;
}

/** On cancellation, runs cleanup in a non-cancellable scope and completes with its result instead of failing. */
export async function cancelToCleanup(): Promise<string> {
  try {
    await sleep('1 day');
    return 'not cancelled';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return await CancellationScope.nonCancellable(async () => {
      await sleep(1);
      return 'cleaned up';
    });
  }
}

// ---------------------------------------------------------------- children

/** Continues as new once with `options`, then returns. */
export async function continueWithOptions(options: ContinueAsNewOptions, continued = false): Promise<string> {
  if (continued) return 'continued';
  return await makeContinueAsNewFunc<typeof continueWithOptions>(options)(options, true);
}

export async function echoChild(text: string): Promise<string> {
  return `child says ${text} (parent ${workflowInfo().parent?.workflowId})`;
}

export async function echoParent(text: string): Promise<string> {
  return executeChild(echoChild, { args: [text], workflowId: `${workflowInfo().workflowId}-child` });
}

export async function failingChild(): Promise<never> {
  throw ApplicationFailure.create({ message: 'child broke', type: 'ChildBroke', nonRetryable: true, details: ['detail-1'] });
}

/** Lets the child's failure propagate: the parent fails with ChildWorkflowFailure(ApplicationFailure). */
export async function parentOfFailingChild(): Promise<void> {
  await executeChild(failingChild, { workflowId: `${workflowInfo().workflowId}-child` });
}

/** Catches the child's failure inside the workflow and reports what it saw. */
export async function parentInspectingChildFailure(): Promise<{ name: string; causeName?: string; causeType?: string; causeMessage?: string }> {
  try {
    await executeChild(failingChild, { workflowId: `${workflowInfo().workflowId}-child` });
    return { name: 'none' };
  } catch (err) {
    if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure) {
      return { name: err.name, causeName: err.cause.name, causeType: err.cause.type ?? undefined, causeMessage: err.cause.message };
    }
    throw err;
  }
}

/** Starts a `blocker` child with the given close policy and completes while the child still runs. */
export async function parentLeavingChild(childId: string, policy: 'TERMINATE' | 'ABANDON'): Promise<string> {
  const child = await startChild(blocker, {
    workflowId: childId,
    parentClosePolicy: policy === 'TERMINATE' ? ParentClosePolicy.TERMINATE : ParentClosePolicy.ABANDON,
  });
  await child.signal(noteSignal, 'from parent');
  return child.firstExecutionRunId;
}

/** Tries to start a child whose id is already running and reports the error it gets. */
export async function parentStartingDuplicateChild(childId: string): Promise<{ name: string; workflowId?: string; workflowType?: string }> {
  try {
    await startChild(blocker, { workflowId: childId });
    return { name: 'started' };
  } catch (err) {
    // WorkflowExecutionAlreadyStartedError (a TemporalFailure; @temporalio/workflow does not re-export the class).
    if (err instanceof TemporalFailure && err.name === 'WorkflowExecutionAlreadyStartedError') {
      const e = err as TemporalFailure & { workflowId?: string; workflowType?: string };
      return { name: e.name, workflowId: e.workflowId, workflowType: e.workflowType };
    }
    throw err;
  }
}

// ---------------------------------------------------------------- external workflows

export async function signalExternal(targetId: string, note: string): Promise<string> {
  await getExternalWorkflowHandle(targetId).signal(noteSignal, note);
  return 'signalled';
}

export async function cancelExternal(targetId: string): Promise<string> {
  await getExternalWorkflowHandle(targetId).cancel();
  return 'cancel requested';
}

/** Signals a workflow id that does not exist; reports the error the signal fails with. */
export async function signalMissing(targetId: string): Promise<{ name: string; message: string; type?: string }> {
  try {
    await getExternalWorkflowHandle(targetId).signal(noteSignal, 'nobody home');
    return { name: 'delivered', message: '' };
  } catch (err) {
    const e = err as Error;
    return { name: e.name, message: e.message, type: err instanceof ApplicationFailure ? (err.type ?? undefined) : undefined };
  }
}

// ---------------------------------------------------------------- failure and retries

export async function failWith(message: string, type: string): Promise<never> {
  throw ApplicationFailure.create({ message, type, details: [{ code: 42 }] });
}

/** Fails every attempt before `succeedOn` (workflowInfo().attempt is 1-based); returns the succeeding attempt. */
export async function flakyWorkflow(succeedOn: number): Promise<number> {
  const { attempt } = workflowInfo();
  if (attempt < succeedOn) throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Flaky');
  return attempt;
}

/** Sleeps a day, then continues as new: only a workflow execution timeout (which spans runs) ends it. */
export async function dailyLoop(day: number): Promise<never> {
  await sleep('1 day');
  return continueAsNew<typeof dailyLoop>(day + 1);
}

/** Continues as new `continues` times without setting any timeout, then sleeps `sleepFor`. */
export async function continueThenSleep(continues: number, sleepFor: Duration): Promise<string> {
  if (continues > 0) await continueAsNew<typeof continueThenSleep>(continues - 1, sleepFor);
  await sleep(sleepFor);
  return 'slept';
}

/** A child that sleeps longer than its run timeout; the parent reports how the child failed. */
export async function parentOfTimedOutChild(childSleep: Duration, childRunTimeout: Duration): Promise<{ name: string; causeName?: string }> {
  try {
    await executeChild(timedSleep, { args: [childSleep], workflowId: `${workflowInfo().workflowId}-child`, workflowRunTimeout: childRunTimeout });
    return { name: 'completed' };
  } catch (err) {
    if (err instanceof ChildWorkflowFailure) return { name: err.name, causeName: err.cause?.name };
    throw err;
  }
}

/** Races an activity (which the test makes take a little real time) against a long workflow timer. */
export async function activityVersusTimer(timer: Duration): Promise<string> {
  const { lifecycleSlowActivity } = proxyActivities<{ lifecycleSlowActivity(): Promise<string> }>({ startToCloseTimeout: '1 minute' });
  return Promise.race([lifecycleSlowActivity(), sleep(timer).then(() => 'timer')]);
}

/** Sleeps `firstSleep` on its first attempt only; later attempts return their attempt number at once. */
export async function slowFirstAttempt(firstSleep: Duration): Promise<number> {
  const { attempt } = workflowInfo();
  if (attempt === 1) await sleep(firstSleep);
  return attempt;
}

/** Runs `slowFirstAttempt` as a child whose first run times out and whose retry then succeeds. */
export async function parentOfRetriedChild(): Promise<number> {
  return executeChild(slowFirstAttempt, {
    args: ['30 days'],
    workflowId: `${workflowInfo().workflowId}-child`,
    workflowRunTimeout: '1 hour',
    retry: { maximumAttempts: 2, initialInterval: '1 minute' },
  });
}

/** Starts a `blocker` child in a cancellable scope, cancels the scope, and reports how the child ended. */
export async function parentCancellingChild(): Promise<{ cancelled: boolean; name: string; causeName?: string }> {
  const scope = new CancellationScope();
  const child = await scope.run(() => startChild(blocker, { workflowId: `${workflowInfo().workflowId}-child` }));
  scope.cancel();
  try {
    await child.result();
    return { cancelled: false, name: 'completed' };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return { cancelled: isCancellation(err), name: e.name, causeName: e.cause?.name };
  }
}
